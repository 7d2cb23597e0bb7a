import Foundation
import Ringway
import RingwayRuntime
import RingwayTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// An embedder starts and stops servers for the life of its process: each one must give back
/// every thread, descriptor and buffer it took. Checked in a child process of its own (an exit
/// test), where no other test's servers blur the counts.
@Suite("Embedding: a stopped server gives back what it took")
struct ServerReuseTests {
    @Test("50 servers started, used and stopped in a row leave threads, descriptors and memory where they were",
          arguments: Backends.all)
    func fiftyServersInARow(backend: BackendKind) async throws {
        if let reason = BackendSelection.probe(backend, environment: [:]) { try Test.cancel("\(backend) cannot run here: \(reason)") }
        let name = backend.rawValue
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) { [name = name as String] in
            await ServerReuse.check(backend: BackendKind(rawValue: name)!)
        }
        if let result {
            let report = String(decoding: result.standardErrorContent, as: UTF8.self)
            // The child's report: its counts before and after, or what went wrong.
            #expect(report.contains("server reuse: ok"), "\(report)")
        }
    }
}

/// The body of the exit test: runs in a child process.
enum ServerReuse {
    /// What the process holds at one moment.
    struct Census: CustomStringConvertible {
        var loopThreads: Int
        var threads: Int
        var descriptors: Int
        var residentBytes: Int

        static func now() -> Census {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            let loops = tasks.filter { task in
                let name = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
                return name.hasPrefix("ringway-loop")
            }
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
            let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
            let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return Census(loopThreads: loops.count, threads: tasks.count, descriptors: descriptors,
                          residentBytes: pages * Int(sysconf(Int32(_SC_PAGESIZE))))
        }

        var description: String {
            "\(loopThreads) loop threads, \(threads) threads, \(descriptors) descriptors, \(residentBytes >> 10) KiB resident"
        }
    }

    /// The allowed growth of resident memory over 50 servers: far below one leaked server's
    /// buffers (an io_uring loop alone has a 4 MiB receive slab), above malloc's own slack.
    static let residentSlack = 24 << 20

    /// Writes the census and the verdict ("server reuse: ok" or what failed) to stderr; exits 0
    /// either way, so the parent always gets the report to show.
    static func check(backend: BackendKind) async {
        let report: String
        do {
            report = try await measure(backend: backend)
        } catch {
            report = "server reuse failed: \(error)\n"
        }
        report.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
    }

    private static func measure(backend: BackendKind) async throws -> String {
        let app = App { scope, _, send in
            guard case .http = scope else { return }
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain")]))
            try await send(.httpResponseBody("reused"))
        }
        // Warm-up: the first servers fault in code, metadata and malloc arenas that stay.
        // libdispatch opens a timerfd per clock lazily, at the first sleep on it.
        for _ in 0..<3 { try await serveOnce(app, backend: backend) }
        try? await Task.sleep(for: .milliseconds(20))
        let before = await settled()
        for _ in 0..<50 { try await serveOnce(app, backend: backend) }
        let after = await settled()
        var problems: [String] = []
        if after.loopThreads != 0 { problems.append("\(after.loopThreads) loop threads still alive") }
        if EventLoop.unjoinedThreadCount != 0 { problems.append("\(EventLoop.unjoinedThreadCount) loop threads never joined") }
        if after.descriptors > before.descriptors { problems.append("\(after.descriptors - before.descriptors) descriptors more: \(openDescriptors())") }
        // Dispatch keeps a few idle worker threads for a while; a leak per server would be 50+.
        if after.threads > before.threads + 4 { problems.append("\(after.threads - before.threads) threads more") }
        // AddressSanitizer quarantines freed memory (resident until its 256 MiB pool recycles);
        // under it LeakSanitizer checks for leaked memory instead.
        if !underAddressSanitizer, after.residentBytes > before.residentBytes + residentSlack {
            problems.append("\((after.residentBytes - before.residentBytes) >> 10) KiB more resident")
        }
        return "server reuse (\(backend)): before \(before); after 50 servers \(after)\n"
            + (problems.isEmpty ? "server reuse: ok\n" : "server reuse failed: \(problems.joined(separator: "; "))\n")
    }

    /// Starts a 2-loop server, serves one keep-alive request and one that closes, stops it.
    private static func serveOnce(_ app: some Application, backend: BackendKind) async throws {
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, backend: backend, loops: 2)
        try await serving(app, configuration: configuration) { running in
            guard try await LiveClient(port: running.port).get("/").text == "reused",
                  try await LiveClient(port: running.port).get("/", headers: [("connection", "close")]).status == 200
            else { throw ReuseFailure(what: "unexpected response") }
        }
    }

    static let underAddressSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil

    static func openDescriptors() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).map { fd in
            fd + "->" + ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) ?? "?")
        }
    }

    /// A census once the process has let go of what a stopped server held (bounded wait).
    private static func settled() async -> Census {
        var census = Census.now()
        for _ in 0..<100 where census.loopThreads > 0 {
            try? await Task.sleep(for: .milliseconds(20))
            census = Census.now()
        }
        return census
    }

    struct ReuseFailure: Error { let what: String }
}
