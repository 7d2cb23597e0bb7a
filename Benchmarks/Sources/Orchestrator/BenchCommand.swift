import ArgumentParser

/// `ringway-bench`: runs Ringway against its peers and writes the report (`run`, the default), or re-renders one.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringway-bench",
        abstract: "Benchmark Ringway's backends against SwiftNIO, Hummingbird and others; write a Markdown report with charts.",
        subcommands: [RunCommand.self, RenderCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
