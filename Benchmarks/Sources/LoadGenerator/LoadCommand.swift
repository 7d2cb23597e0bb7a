import ArgumentParser
import Foundation
import LoadReportFormat
import Synchronization

/// `ringway-load`: an HTTP/1.1, WebSocket and SSE load generator. Closed-loop by default (each
/// connection sends the next request when a response arrives, `--pipeline` deep);
/// `--rate` switches to constant-rate mode, where latency is measured from when each request
/// should have been sent (wrk2's correction for coordinated omission). `sse` is a fan-out of its
/// own (`SSELoad`).
@main
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringway-load",
        abstract: "HTTP/1.1, WebSocket and SSE load generator with HdrHistogram latencies.",
        subcommands: [HTTPLoad.self, WebSocketLoad.self, SSELoad.self])
}

/// Options every workload shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Target URL: http://host:port/path or ws://host:port/path (loopback).")
    var url: String
    @Option(help: "Open connections.")
    var connections = 64
    @Option(help: "Measured seconds (after the warm-up).")
    var duration = 10.0
    @Option(help: "Warm-up seconds: traffic flows, nothing is counted.")
    var warmup = 2.0
    @Option(help: "Worker threads (each with its own epoll and share of the connections).")
    var threads = 1
    @Option(help: "Requests (or messages) in flight per connection.")
    var pipeline = 1
    @Option(help: "Constant-rate mode: total requests per second (omit for closed-loop).")
    var rate: Double?
    @Option(help: "Seconds a request may wait before its connection counts a timeout and reopens.")
    var timeout = 5.0
    @Flag(help: "Print the result as one JSON object on stdout (the summary goes to stderr).")
    var json = false

    func validate() throws {
        guard connections > 0, threads > 0, pipeline > 0, duration > 0, warmup >= 0, timeout > 0 else {
            throw ValidationError("connections, threads, pipeline, duration and timeout must be positive")
        }
        guard threads <= connections else { throw ValidationError("more threads than connections") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
    }

    /// Runs `kind` against `target` with these options and prints the report.
    func run(mode: String, target: Target, kind: LoadPlan.Exchange) throws {
        Self.raiseFileLimit()
        // A write to a connection the server closed is counted as a write error, not fatal.
        signal(SIGPIPE, SIG_IGN)
        let start = MonotonicClock.now() + 10_000_000
        let measureFrom = start + UInt64(warmup * 1e9)
        let end = measureFrom + UInt64(duration * 1e9)
        let plan = LoadPlan(
            target: target, kind: kind, pipeline: pipeline,
            intervalPerConnection: rate.map { UInt64(Double(connections) / $0 * 1e9) },
            timeoutNanoseconds: UInt64(timeout * 1e9), measureFrom: measureFrom, end: end)
        let results = Mutex<[WorkerResult]>([])
        let finished = DispatchSemaphore(value: 0)
        for thread in 0..<threads {
            let share = connections / threads + (thread < connections % threads ? 1 : 0)
            let worker = Thread {
                let result = Worker(plan: plan, connections: share).run()
                results.withLock { $0.append(result) }
                finished.signal()
            }
            worker.name = "ringway-load-\(thread)"
            worker.start()
        }
        for _ in 0..<threads { finished.wait() }
        var merged = results.withLock { $0 }
        var total = merged.removeFirst()
        for other in merged {
            total.histogram.add(other.histogram)
            total.completed += other.completed
            total.bytesRead += other.bytesRead
            total.errors.add(other.errors)
        }
        let report = LoadReport(mode: mode, target: target.description, connections: connections, pipeline: pipeline, rate: rate,
                                seconds: Double(end - measureFrom) / 1e9, result: total)
        FileHandle.standardError.write(Data((report.summary + "\n").utf8))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
        }
    }

    /// Raises the open-file limit to its hard maximum (thousands of sockets).
    static func raiseFileLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// `ringway-load http`: keep-alive GET or POST.
struct HTTPLoad: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "http", abstract: "HTTP/1.1 keep-alive load.")

    @OptionGroup var common: CommonOptions
    @Option(help: "GET or POST.")
    var method = "GET"
    @Option(help: "Request body bytes (POST).")
    var bodySize = 0
    @Option(name: .customLong("header"), help: "Extra request header, `name: value` (repeatable).")
    var headers: [String] = []
    @Option(help: "Path with `{n}` (e.g. '/users/{n}'), n cycling 1…--ids per request; replaces the URL's path.")
    var pathTemplate: String?
    @Option(help: "With --path-template: how many ids n cycles through.")
    var ids = 10_000
    @Option(help: "With --path-template: the body every 2xx answer must have, `{n}` its request's id; others count as body errors.")
    var expectBody: String?

    func validate() throws {
        if let pathTemplate {
            guard pathTemplate.hasPrefix("/"), pathTemplate.contains(RequestTemplate.placeholder) else {
                throw ValidationError("--path-template must start with / and hold {n}")
            }
            guard ids > 0 else { throw ValidationError("--ids must be positive") }
        } else if expectBody != nil {
            throw ValidationError("--expect-body needs --path-template")
        }
    }

    func run() throws {
        guard let parsed = Target(common.url), parsed.scheme == .http else { throw ValidationError("--url must be http://host:port/path") }
        let target = pathTemplate.map { Target(scheme: .http, host: parsed.host, port: parsed.port, path: $0) } ?? parsed
        var head = "\(method) \(target.path) HTTP/1.1\r\nhost: \(target.host):\(target.port)\r\n"
        for header in headers { head += header + "\r\n" }
        if bodySize > 0 || method == "POST" { head += "content-type: application/octet-stream\r\ncontent-length: \(bodySize)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + (0..<bodySize).map { UInt8(truncatingIfNeeded: 97 + $0 % 26) }
        if pathTemplate != nil {
            let text = String(decoding: request, as: UTF8.self)
            guard let template = RequestTemplate(request: text, expectedBody: expectBody, ids: ids) else {
                throw ValidationError("--path-template must hold {n}")
            }
            try common.run(mode: "http", target: target, kind: .httpTemplate(template))
        } else {
            try common.run(mode: "http", target: target, kind: .http(request: request))
        }
    }
}

/// `ringway-load ws`: WebSocket echo, binary messages of a fixed size.
struct WebSocketLoad: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ws", abstract: "WebSocket echo load (binary messages).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Message payload bytes.")
    var messageSize = 64

    func run() throws {
        guard let target = Target(common.url), target.scheme == .ws else { throw ValidationError("--url must be ws://host:port/path") }
        guard messageSize >= 0 else { throw ValidationError("--message-size must not be negative") }
        try common.run(mode: "ws", target: target,
                       kind: .webSocket(handshake: WebSocketFrames.handshake(target), frame: WebSocketFrames.maskedBinaryFrame(size: messageSize)))
    }
}
