import Foundation
import Ringway
import RingwayDemo
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The demo's Server-Sent Events (`/sse`, `/sse/page`, `/sse/topics/{topic}`) driven by real
/// clients: Python httpx + httpx-sse, `curl -N`, Chromium's EventSource, and hundreds of raw
/// streams open while `ringway serve` gets SIGTERM.
@Suite("Server-Sent Events with real clients")
struct SSERealClientTests {
    // MARK: httpx + httpx-sse

    /// The whole client session of one test case; prints "ok" when every assertion held.
    static let httpxScript = """
        import json, sys, time
        import httpx
        from httpx_sse import connect_sse
        client = httpx.Client(base_url=f"http://127.0.0.1:{sys.argv[1]}", timeout=httpx.Timeout(10.0))

        def take(iterator, count):
            events = []
            for event in iterator:
                events.append(event)
                if len(events) == count:
                    return events
            raise AssertionError(f"the stream ended after {len(events)} of {count} events: {events[-3:]}")

        def check_stream_headers(response, allow_origin="*"):
            assert response.status_code == 200, response.status_code
            headers = response.headers
            assert headers["content-type"] == "text/event-stream", headers
            assert headers["cache-control"] == "no-cache", headers
            assert headers["x-accel-buffering"] == "no", headers
            assert headers["access-control-allow-origin"] == allow_origin, headers

        def check_timestamp(value):
            assert type(value) is float, value
            assert abs(value - time.time()) < 600, value

        def check_connected(event):
            assert event.event == "message" and event.id == "", event
            data = event.json()
            assert sorted(data) == ["timestamp", "type"] and data["type"] == "connected", data
            check_timestamp(data["timestamp"])

        def check_update(event, n):
            assert event.event == "message" and event.id == str(n), event
            data = event.json()
            assert sorted(data) == ["counter", "message", "timestamp", "type"], data
            assert data["type"] == "update" and type(data["counter"]) is int and data["counter"] == n, data
            assert data["message"] == f"Update #{n}", data
            check_timestamp(data["timestamp"])

        def publish(topic, body, event=None):
            response = client.post(f"/sse/topics/{topic}", content=body.encode(), params={"event": event} if event else None)
            assert response.status_code == 202, (response.status_code, response.text)
            assert response.headers["content-type"] == "application/json", response.headers
            return response.json()

        # /sse: the connected event, then updates 1, 2, 3 with their ids.
        with connect_sse(client, "GET", "/sse?interval_ms=20") as source:
            check_stream_headers(source.response)
            stream = source.iter_sse()
            events = take(stream, 4)
        check_connected(events[0])
        for n, event in enumerate(events[1:], start=1):
            check_update(event, n)

        # A reconnect with Last-Event-ID continues the count.
        with connect_sse(client, "GET", "/sse?interval_ms=20", headers={"Last-Event-ID": "41"}) as source:
            check_stream_headers(source.response)
            stream = source.iter_sse()
            events = take(stream, 3)
        check_connected(events[0])
        check_update(events[1], 42)
        check_update(events[2], 43)

        assert client.get("/sse?interval_ms=fast").status_code == 400

        # A topic: the subscriber gets a published multi-line body as one named event.
        with connect_sse(client, "GET", "/sse/topics/news") as source:
            check_stream_headers(source.response)
            stream = source.iter_sse()
            # The head comes after the subscription is in place: the POST counts this subscriber.
            assert publish("news", "a\\nb\\r\\nc", event="greeting") == {"id": 1, "subscribers": 1}
            first = take(stream, 1)[0]
        assert (first.event, first.data, first.id) == ("greeting", "a\\nb\\nc", "1"), first
        assert client.post("/sse/topics/news", params={"event": "bad\\nname"}, content=b"x").status_code == 400

        # Published while nobody listens; a reconnect after id 1 replays 2 and 3 (not 1), then goes on live.
        assert publish("news", "second")["id"] == 2
        assert publish("news", "third")["id"] == 3
        with connect_sse(client, "GET", "/sse/topics/news", headers={"Last-Event-ID": "1"}) as source:
            check_stream_headers(source.response)
            stream = source.iter_sse()
            events = take(stream, 2)
            assert publish("news", "fourth")["id"] == 4
            events += take(stream, 1)
        assert [(e.event, e.id, e.data) for e in events] == [("message", "2", "second"), ("message", "3", "third"), ("message", "4", "fourth")], events

        # 1,005 events on a topic keeping 1,000: resuming from id 1 says history-lost, then replays 6...1005.
        for n in range(1, 1006):
            assert publish("flood", f"event {n}") == {"id": n, "subscribers": 0}
        with connect_sse(client, "GET", "/sse/topics/flood", headers={"Last-Event-ID": "1"}) as source:
            check_stream_headers(source.response)
            stream = source.iter_sse()
            events = take(stream, 1001)
        assert events[0].event == "history-lost", events[0]
        assert json.loads(events[0].data) == {"lastEventId": "1", "oldestAvailable": 6}, events[0].data
        assert [(e.event, e.id, e.data) for e in events[1:]] == [("message", str(n), f"event {n}") for n in range(6, 1006)]
        client.close()
        print("ok")
        """

    @Test("httpx-sse: /sse events and headers, Last-Event-ID resume, topics with replay and history-lost",
          arguments: BackendKind.concrete)
    func httpxSSE(backend: BackendKind) async throws {
        guard let python = ExternalProcess.find("python3") else { try Test.cancel("python3 is not installed") }
        let probe = try await ExternalProcess.run(python, ["-c", "import httpx, httpx_sse"])
        if probe.status != 0 { try Test.cancel("Python httpx or httpx-sse is missing (scripts/bootstrap installs them)") }
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let result = try await ExternalProcess.run(python, ["-c", Self.httpxScript, String(port)], timeout: .seconds(120))
            #expect(result.status == 0, "\(result.errors.suffix(3000))")
            #expect(result.output == "ok\n")
        }
    }

    // MARK: curl -N

    @Test("curl -N: the stream's headers, then updates as they come", arguments: BackendKind.concrete)
    func curlStream(backend: BackendKind) async throws {
        guard let curl = Curl.path else { try Test.cancel("curl is not installed") }
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            // The stream never ends by itself: curl stops it at --max-time (exit 28).
            let result = try await Curl.run(curl, ["-N", "-s", "-i", "--max-time", "2", "http://127.0.0.1:\(port)/sse?interval_ms=20"])
            #expect(result.status == 28, "\(result.errors)")
            let lines = result.output.split(whereSeparator: \.isNewline).map(String.init)
            let head = lines.prefix { !$0.isEmpty }.map { $0.lowercased() }
            #expect(head.first?.hasPrefix("http/1.1 200") == true, "\(result.output.prefix(600))")
            for field in ["content-type: text/event-stream", "cache-control: no-cache", "x-accel-buffering: no",
                          "access-control-allow-origin: *"] {
                #expect(head.contains(field), "\(field) missing from \(head)")
            }
            let ids = lines.filter { $0.hasPrefix("id: ") }
            #expect(ids.count >= 2, "\(result.output.prefix(2000))")
            #expect(Array(ids.prefix(2)) == ["id: 1", "id: 2"])
            #expect(lines.contains { $0.hasPrefix(#"data: {"type": "connected", "timestamp": "#) })
            #expect(lines.contains { $0.hasPrefix(#"data: {"type": "update", "counter": 2, "#) && $0.hasSuffix(#""message": "Update #2"}"#) })
        }
    }

    // MARK: Chromium's EventSource across a server restart

    /// Opens `/sse/page`, waits for updates, then — while the test restarts the server on the
    /// same port — for the page to report the lost connection, reconnect on its own and show
    /// three more updates; checks the numbers run 1, 2, 3, … without a repeat, gap or reset.
    static let browserScript = """
        import re, sys
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
        port = sys.argv[1]
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

        def entries(d):
            return d.execute_script("return Array.from(document.querySelectorAll('#messages > div'), e => [e.className, e.textContent])")

        def number(text):
            match = re.fullmatch(r".+: Update #(\\d+)", text)
            assert match, text
            return int(match.group(1))

        def resumed(d):
            items = entries(d)
            errors = [i for i, (kind, _) in enumerate(items) if kind == "error"]
            return bool(errors) and sum(kind == "update" for kind, _ in items[errors[-1]:]) >= 3

        try:
            driver.get(f"http://127.0.0.1:{port}/sse/page")
            WebDriverWait(driver, 60, poll_frequency=0.05).until(lambda d: sum(kind == "update" for kind, _ in entries(d)) >= 2)
            WebDriverWait(driver, 60, poll_frequency=0.05).until(resumed)
            items = entries(driver)
            kinds = [kind for kind, _ in items]
            numbers = [number(text) for kind, text in items if kind == "update"]
            assert numbers == list(range(1, len(numbers) + 1)), numbers
            first_error, last_error = kinds.index("error"), len(kinds) - 1 - kinds[::-1].index("error")
            before = kinds[:first_error].count("update")
            assert before >= 2, items
            assert kinds[0] == "connected" and kinds[last_error + 1] == "connected", items
            assert "update" not in kinds[first_error:last_error], items
            assert items[last_error][1] == "Error: Connection lost", items
            assert number(items[last_error + 2][1]) == before + 1, items
            print("ok")
            print(f"{before} updates, {kinds.count('error')} error(s), {len(numbers) - before} updates after the restart", file=sys.stderr)
        finally:
            driver.quit()
        """

    /// The demo with `/sse` at a 50 ms interval (the page asks for the default second), counting
    /// the updates it sends.
    static func fastUpdates(_ demo: DemoApp, counting updates: Recorder<Int>? = nil) -> App {
        App { scope, receive, send in
            guard case .http(var request) = scope, request.path == "/sse" else { return try await demo(scope, receive, send) }
            request.queryString = Array("interval_ms=50".utf8)
            let counting = Send { message in
                if case .httpResponseBody(let body, _) = message, StreamSockets.contains(body, Array(#""type": "update""#.utf8)) {
                    updates?.append(1)
                }
                try await send(message)
            }
            try await demo(.http(request), receive, counting)
        }
    }

    @Test("Chromium EventSource: updates show, and after a graceful restart on the same port the count goes on",
          arguments: BackendKind.concrete)
    func browserReconnects(backend: BackendKind) async throws {
        guard let python = ExternalProcess.find("python3") else { try Test.cancel("python3 is not installed") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            try Test.cancel("chromium-driver is not installed (scripts/bootstrap installs it)")
        }
        let probe = try await ExternalProcess.run(python, ["-c", "import selenium"])
        if probe.status != 0 { try Test.cancel("Python selenium is missing (scripts/bootstrap installs it)") }

        let updates = Recorder<Int>()
        let first = ServerConfiguration(host: "127.0.0.1", port: 0, backend: backend, loops: 2)
        let (port, browser) = try await serving(Self.fastUpdates(DemoApp(sse: DemoApp.sseConfiguration()), counting: updates),
                                                configuration: first) { running in
            let port = running.port
            let browser = Task { try await ExternalProcess.run(python, ["-c", Self.browserScript, String(port)], timeout: .seconds(150)) }
            // Chromium starts in a few seconds; once the server has sent four updates, it shuts down.
            let sent = await updates.waitForCount(4, timeout: .seconds(60)).count
            if sent < 4 { browser.cancel() }
            try #require(sent >= 4, "the page's stream did not start within 60 s")
            running.server.shutdown()  // every stream gets `retry: 500`, then its end
            try await running.finished()
            return (port, browser)
        }
        // A new server, a new hub, the same port: the page's reconnect sends its last id.
        let second = ServerConfiguration(host: "127.0.0.1", port: port, backend: backend, loops: 2)
        do {
            try await serving(Self.fastUpdates(DemoApp(sse: DemoApp.sseConfiguration())), configuration: second) { _ in
                let result = try await browser.value
                #expect(result.status == 0, "\(result.errors.suffix(3000))")
                #expect(result.output == "ok\n")
            }
        } catch {
            browser.cancel()
            throw error
        }
    }

    // MARK: SIGTERM with open streams

    struct SignalOutcome: Sendable {
        var status: TerminationStatus?
        var log: String
        var streams: [StreamSockets.Outcome] = []
        /// From SIGTERM to the child's exit.
        var exitDelay: Duration?
    }

    /// `ringway serve --shutdown-timeout 60` as a child process with `count` open
    /// `/sse/topics/t` streams, then SIGTERM; collects what every stream read and the log.
    static func serveStreamsThenTerminate(backend: BackendKind, count: Int) async throws -> SignalOutcome {
        let binary = try #require(CommandLineTests.binary, "the ringway executable is built by `swift build` before tests")
        let request = Array("GET /sse/topics/t HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n".utf8)
        let signalled = Recorder<ContinuousClock.Instant>()
        return try await withThrowingTaskGroup(of: SignalOutcome?.self) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    .path(FilePath(binary.path)),
                    arguments: ["serve", "--port", "0", "--backend", backend.rawValue, "--shutdown-timeout", "60",
                                "--sse-heartbeat", "0", "--log-level", "info"],
                    input: .none, output: .discarded, error: .sequence
                ) { execution in
                    var log = ""
                    var clients: Task<[StreamSockets.Outcome], Never>?
                    for try await line in execution.standardError.strings() {
                        log += line + "\n"
                        if clients == nil, let port = CommandLineSignalTests.port(inListeningLine: line) {
                            clients = Task {
                                await StreamSockets.run(port: port, count: count, request: request, timeout: .seconds(30)) {
                                    signalled.append(.now)
                                    try? execution.send(signal: .terminate)
                                }
                            }
                        }
                    }
                    return (log, await clients?.value ?? [])
                }
                let exited = ContinuousClock.now
                let (log, streams) = result.closureResult
                return SignalOutcome(status: result.terminationStatus, log: log, streams: streams,
                                     exitDelay: signalled.all.first.map { exited - $0 })
            }
            group.addTask {
                // Cancelled when the child exits first; otherwise cancelling the group kills it.
                try? await Task.sleep(for: .seconds(120))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let outcome = first else {
                return SignalOutcome(status: nil, log: "(killed after 120 s)")
            }
            return outcome
        }
    }

    /// Raises this process's soft open-file limit to at least `count` (as far as the hard
    /// limit allows; children inherit it); returns the soft limit now in force.
    static func raiseOpenFileLimit(to count: Int) -> Int {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        if limit.rlim_cur < rlim_t(count) {
            limit.rlim_cur = min(rlim_t(count), limit.rlim_max)
            _ = setrlimit(resource, &limit)
            _ = getrlimit(resource, &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }

    @Test("SIGTERM with 500 open streams: each gets retry: 500 and the chunked end; exit 0 before the timeout",
          arguments: BackendKind.concrete)
    func sigtermEndsStreams(backend: BackendKind) async throws {
        if let reason = BackendSelection.probe(backend, environment: [:]) { try Test.cancel("\(backend) cannot run here: \(reason)") }
        let count = 500
        // 500 client sockets here, as many in the child; the rest of the suite runs alongside.
        let limit = Self.raiseOpenFileLimit(to: 4 * count + 1024)
        try #require(limit >= 2 * count + 256, "RLIMIT_NOFILE is \(limit); this test needs about \(2 * count + 256)")

        let outcome = try await Self.serveStreamsThenTerminate(backend: backend, count: count)
        #expect(outcome.status == .exited(0), "\(outcome.log.suffix(3000))")
        #expect(outcome.log.contains("shutdown complete"), "\(outcome.log.suffix(3000))")
        #expect(!outcome.log.contains("closed at the timeout"), "\(outcome.log.suffix(3000))")
        // Only catches a hang: the shutdown timeout is 60 s.
        if let delay = outcome.exitDelay { #expect(delay < .seconds(30), "exit \(delay) after SIGTERM") }

        #expect(outcome.streams.count == count)
        var failures: [String] = []
        for (index, stream) in outcome.streams.enumerated() {
            let decoded = StreamSockets.decodeChunked(stream.bytes)
            let fine = stream.failure == nil && stream.headBeforeStart && stream.closed
                && decoded?.head.hasPrefix("HTTP/1.1 200") == true
                && decoded?.head.lowercased().contains("content-type: text/event-stream") == true
                && decoded?.body == Array("retry: 500\n\n".utf8) && decoded?.terminated == true && decoded?.trailing == []
            if !fine {
                failures.append("stream \(index): failure \(stream.failure ?? "none"), head before SIGTERM \(stream.headBeforeStart), "
                                + "closed \(stream.closed), read \(String(decoding: stream.bytes.suffix(300), as: UTF8.self).debugDescription)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(count) streams: \(failures.prefix(5).joined(separator: "\n"))")
    }
}
