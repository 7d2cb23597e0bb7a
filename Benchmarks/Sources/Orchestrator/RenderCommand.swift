import ArgumentParser
import Foundation

/// `ringway-bench render`: regenerates `report.md` and the SVG charts from a `results.json`.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Regenerate report.md and the SVG charts from a results.json."
    )

    @Option(help: "The results.json to render.")
    var results: String

    @Option(help: "Directory for report.md and the charts. Default: the results file's directory.")
    var output: String?

    func run() throws {
        let source = URL(fileURLWithPath: results)
        let directory = output.map { URL(fileURLWithPath: $0) } ?? source.deletingLastPathComponent()
        let report = Report(results: try Results.load(from: source))
        try report.write(to: directory)
        print(report.terminalSummary)
        log("wrote \(directory.appendingPathComponent("report.md").path)")
    }
}
