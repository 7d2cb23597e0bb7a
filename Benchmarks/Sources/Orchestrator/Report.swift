import Foundation
import LoadReportFormat
import ToolkitWorkload

/// Turns `Results` into `report.md` plus its SVG charts, and into the terminal's summary tables.
struct Report {
    let results: Results
    let summaries: [Summary]

    init(results: Results) {
        self.results = results
        summaries = Summary.make(from: results.runs)
    }

    /// Writes `report.md`, `throughput-<workload>.svg` and `latency-<workload>.svg` into `directory`.
    func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for summary in summaries where summary.rows.contains(where: { $0.median != nil }) {
            try Charts.throughput(summary).write(
                to: directory.appendingPathComponent("throughput-\(summary.workload).svg"), atomically: true, encoding: .utf8)
            try Charts.latency(summary).write(
                to: directory.appendingPathComponent("latency-\(summary.workload).svg"), atomically: true, encoding: .utf8)
        }
        try markdown.write(to: directory.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
    }

    /// The whole report as Markdown.
    var markdown: String {
        let machine = results.machine
        let settings = results.settings
        var text = """
            # Ringway benchmark report

            | | |
            |---|---|
            | CPU | \(machine.cpuModel) |
            | Cores | \(machine.cores) |
            | Kernel | \(machine.kernel) |
            | Swift | \(machine.swiftVersion) |
            | Date | \(machine.date) |

            Each run starts the server fresh\(settings.serverCPU.map { " pinned to core \($0)" } ?? ""), \
            waits until its port accepts connections, then drives it with `ringway-load`\
            \(settings.loadCPU.map { " pinned to core \($0)" } ?? "") for \(Self.seconds(settings.warmup)) s of warm-up \
            and \(Self.seconds(settings.duration)) s of measurement. Rounds: \(settings.rounds), alternating contenders \
            within each round (rotated order) so drift hits everyone alike. Tables and charts show each contender's \
            median-throughput round and the latency of that same run. CPU µs/req is the server's user+system CPU over the \
            measured window divided by the work done in it; peak RSS is the server's `VmHWM`.


            """
        if !results.skipped.isEmpty {
            text += "Skipped contenders:\n\n"
            text += results.skipped.map { "- **\($0.contender)**: \($0.reason)" }.joined(separator: "\n") + "\n\n"
        }
        for summary in summaries {
            text += "## \(summary.workload)\n\n"
            if let description = Workload.named(summary.workload)?.summary { text += "\(description).\n\n" }
            if summary.mode == .sse { text += Self.sseMethod }
            if Workload.named(summary.workload)?.isToolkit ?? false { text += Self.toolkitMethod }
            if summary.rows.contains(where: { $0.median != nil }) {
                text += "![\(summary.workload) throughput](throughput-\(summary.workload).svg)\n\n"
            }
            text += table(for: summary).markdown + "\n\n"
            if summary.rows.contains(where: { !($0.median?.network?.isClean ?? true) }) {
                text += "† the machine dropped loopback packets or retransmitted TCP segments during this run; "
                text += "its latency tail may show the 200 ms–1 s retransmission timeouts rather than the server.\n\n"
            }
            if summary.rows.contains(where: { $0.median != nil }) {
                text += "![\(summary.workload) latency](latency-\(summary.workload).svg)\n\n"
            }
        }
        if !results.idle.isEmpty {
            text += """
                ## Idle connections

                Keep-alive connections opened to a fresh server, each after one `GET /plaintext`; memory is the server's \
                `VmRSS` right after the last response minus its `VmRSS` before the first connection.

                \(idleTable.markdown)


                """
        }
        if let allocations = results.allocations, !allocations.isEmpty {
            text += """
                ## Heap allocations per request

                The whole server process's `malloc`/`calloc`/`realloc`/`memalign` calls (counted by the \
                `Benchmarks/Tools/malloc-count.c` LD_PRELOAD shim, in a pass of its own so it touches no number above) \
                over 3 s after a 1 s warm-up, divided by the requests (messages) completed in them.

                \(allocationTable.markdown)


                """
        }
        let noisy = results.runs.filter { !($0.network?.isClean ?? true) }
        if !noisy.isEmpty {
            text += "## Noisy runs\n\n"
            text += "Runs during which the machine dropped loopback packets (full per-CPU backlog, "
            text += "`net.core.netdev_max_backlog`) or retransmitted TCP segments:\n\n"
            text += noisy.map { run in
                let network = run.network ?? NetStats(softnetDrops: 0, tcpRetransmits: 0)
                return "- round \(run.round), \(run.workload), \(run.contender): \(network.softnetDrops) dropped, "
                    + "\(network.tcpRetransmits) retransmitted"
            }.joined(separator: "\n") + "\n\n"
        }
        let failures = results.runs.filter { !$0.succeeded }
        if !failures.isEmpty {
            text += "## Failed runs\n\n"
            text += failures.map { "- round \($0.round), \($0.workload), \($0.contender): \($0.failure ?? "no result")" }
                .joined(separator: "\n") + "\n"
        }
        return text
    }

    /// The per-workload tables and the idle table as aligned plain text.
    var terminalSummary: String {
        var parts = summaries.map { summary in
            let table = table(for: summary, compact: true)
            return "\(summary.workload) (\(summary.unit))\n\(table.plain)"
        }
        if !results.idle.isEmpty { parts.append("idle connections\n\(idleTable.plain)") }
        if !(results.allocations ?? []).isEmpty { parts.append("heap allocations per request\n\(allocationTable.plain)") }
        return parts.joined(separator: "\n\n")
    }

    /// One workload's table; `compact` drops the columns the terminal does without.
    ///
    /// Ratio columns compare Ringway's rows with the peers; the toolkit workloads divide by the raw `App` on the
    /// same server (`ringway-toolkit-raw`) instead of `ringway serve`, and list the request log's lines.
    func table(for summary: Summary, compact: Bool = false) -> Table {
        if summary.mode == .sse { return sseTable(for: summary, compact: compact) }
        let toolkit = Workload.named(summary.workload)?.isToolkit ?? false
        let baseline = summary.throughput(of: toolkit ? Contender.toolkitBaselineName : Contender.baselineName)
        let peers = (toolkit ? [] : [("× NIO", "nio")]) + [("× Hummingbird", "hummingbird"), ("× Vapor", "vapor")]
        var headers = ["contender", summary.unit, toolkit ? "× raw" : "× io_uring"] + peers.map(\.0)
            + ["p50", "p99", "p99.9", "max", summary.unit == "msg/s" ? "CPU µs/msg" : "CPU µs/req"]
        if !compact { headers += ["CPU", "peak RSS"] + (toolkit ? ["log lines"] : []) + ["errors", "rounds ok"] }
        var table = Table(headers: headers)
        for row in summary.rows {
            guard let run = row.median, let load = run.load else {
                var cells = [row.contender, "failed"] + Array(repeating: "—", count: headers.count - 2)
                if !compact { cells[cells.count - 1] = "0/\(row.attempted)" }
                table.rows.append(cells)
                continue
            }
            let isRingway = Contender.named(row.contender)?.isRingwayFamily ?? false
            let noisy = !(run.network?.isClean ?? true)
            func ratio(_ reference: Double?) -> String {
                guard let reference, reference > 0 else { return "—" }
                return Format.ratio(load.throughput / reference)
            }
            var cells = [row.contender + (noisy ? " †" : ""), Format.count(load.throughput), ratio(baseline)]
            cells += peers.map { isRingway ? ratio(summary.throughput(of: $0.1)) : "—" }
            cells += [
                Format.latency(load.latencyMicros.p50),
                Format.latency(load.latencyMicros.p99),
                Format.latency(load.latencyMicros.p999),
                Format.latency(load.latencyMicros.max),
                run.serverCPUMicrosPerRequest.map { String(format: "%.1f", $0) } ?? "—",
            ]
            if !compact {
                cells += [
                    run.serverCPUUtilization.map { String(format: "%.0f%%", $0 * 100) } ?? "—",
                    run.peakRSSBytes.map { Format.bytes(Double($0)) } ?? "—",
                ]
                if toolkit { cells.append(run.accessLogLines.map { Format.count(Double($0)) } ?? "—") }
                cells += [Format.count(Double(load.errors.total)), "\(row.succeeded)/\(row.attempted)"]
            }
            table.rows.append(cells)
        }
        return table
    }

    /// An SSE fan-out workload's table: delivered events, their latency, server CPU per delivery and memory per idle stream.
    func sseTable(for summary: Summary, compact: Bool = false) -> Table {
        let baseline = summary.throughput(of: Contender.baselineName)
        var headers = ["contender", "events/s", "× io_uring", "p50", "p99", "p99.9", "max", "CPU µs/event", "memory/stream"]
        if !compact { headers += ["subscribed", "published", "CPU", "peak RSS", "errors", "rounds ok"] }
        var table = Table(headers: headers)
        for row in summary.rows {
            guard let run = row.median, let load = run.load else {
                var cells = [row.contender, "failed"] + Array(repeating: "—", count: headers.count - 2)
                if !compact { cells[cells.count - 1] = "0/\(row.attempted)" }
                table.rows.append(cells)
                continue
            }
            let noisy = !(run.network?.isClean ?? true)
            var cells = [
                row.contender + (noisy ? " †" : ""),
                Format.count(load.throughput),
                baseline.map { $0 > 0 ? Format.ratio(load.throughput / $0) : "—" } ?? "—",
                Format.latency(load.latencyMicros.p50),
                Format.latency(load.latencyMicros.p99),
                Format.latency(load.latencyMicros.p999),
                Format.latency(load.latencyMicros.max),
                run.serverCPUMicrosPerRequest.map { String(format: "%.2f", $0) } ?? "—",
                run.idleStreamBytes.map { Format.bytes($0) } ?? "—",
            ]
            if !compact {
                cells += [
                    load.sse.map { "\(Format.count(Double($0.subscribed))) / \(Format.count(Double($0.subscribers)))" } ?? "—",
                    load.sse.map { Format.count(Double($0.published)) } ?? "—",
                    run.serverCPUUtilization.map { String(format: "%.0f%%", $0 * 100) } ?? "—",
                    run.peakRSSBytes.map { Format.bytes(Double($0)) } ?? "—",
                    Format.count(Double(load.errors.total)),
                    "\(row.succeeded)/\(row.attempted)",
                ]
            }
            table.rows.append(cells)
        }
        return table
    }

    /// The idle-connections table.
    var idleTable: Table {
        var table = Table(headers: ["contender", "connections held", "RSS before", "RSS after", "bytes / connection", "open time", "note"], leftAligned: [0, 6])
        let order = Contender.all.map(\.name)
        let sorted = results.idle.sorted { (order.firstIndex(of: $0.contender) ?? .max) < (order.firstIndex(of: $1.contender) ?? .max) }
        for record in sorted {
            table.rows.append([
                record.contender,
                "\(Format.count(Double(record.established))) / \(Format.count(Double(record.target)))",
                Format.bytes(Double(record.rssBeforeBytes)),
                Format.bytes(Double(record.rssAfterBytes)),
                record.bytesPerConnection.map { Format.count($0) } ?? "—",
                String(format: "%.1f s", record.seconds),
                record.failure ?? "",
            ])
        }
        return table
    }

    /// The allocations table: a row per contender, a column per workload.
    var allocationTable: Table {
        let records = results.allocations ?? []
        let workloads = Workload.allocationWorkloads.filter { name in records.contains { $0.workload == name } }
        var table = Table(headers: ["contender"] + workloads)
        let contenders = Contender.all.map(\.name).filter { name in records.contains { $0.contender == name } }
        for contender in contenders {
            table.rows.append([contender] + workloads.map { workload in
                guard let record = records.first(where: { $0.contender == contender && $0.workload == workload }) else { return "—" }
                if let perRequest = record.perRequest { return String(format: "%.2f", perRequest) }
                return record.failure == nil ? "—" : "failed"
            })
        }
        return table
    }

    /// How the SSE columns are measured, under each fan-out workload's heading.
    private static let sseMethod = """
        Events/s counts deliveries (one event reaching one subscriber) in the measured window; latency is from \
        the publish time the event's data carries to the subscriber reading it, on the load generator's core (so it \
        includes the generator's own turn over every stream). CPU µs/event is the server's CPU over that window per \
        delivery. Memory/stream is the server's `VmRSS` with every stream open and idle (before the first publish) \
        minus its `VmRSS` before the first subscriber, divided by the streams.


        """

    /// How the toolkit workloads are served and checked, under their headings.
    private static let toolkitMethod = """
        Every server has the same \(ToolkitRoutes.count) routes (40 static `/api/v1/r0…r39`, 8 `/api/v1/r0…r7/{id}`, \
        `/users/{id}` with an integer id, a catch-all `/files/**`) in its own router. The load generator asks for \
        `/users/1` … `/users/10000` in turn and checks every body against `{"id":<id>,"name":"user <id>"}` (a run \
        with one wrong body fails). **ringway-toolkit-raw** is one `App` closure that switches on the path and \
        writes the JSON by hand (no router, no middleware, no encoder, and no request log in either workload): the \
        floor. **ringway-toolkit** is RingwayToolkit's `Router`, its `RequestIDMiddleware` and `LoggingMiddleware` \
        and `send.json` of an `Encodable`; **hummingbird** its `Router`, `LogRequestsMiddleware(.info)` and `ResponseEncodable`; \
        **vapor** its router, `RouteLoggingMiddleware(.info)` (its default) and `Content`. With logging on, every \
        peer's swift-log handler is the same one (StreamLogHandler's line format, one `write(2)` per line to a \
        file); what each middleware puts in a line is its own (Ringway's: method, path, status, duration, bytes, \
        request id, client; Hummingbird's and Vapor's: method and path, at the request's start). Log lines counts \
        the lines written, warm-up included. Ringway runs on io_uring with one loop, the peers on one event-loop \
        thread; server and load generator are pinned to different cores.


        """

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
