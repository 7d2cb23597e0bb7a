import Foundation
import Ringway
import RingwayTestSupport
import RingwayToolkit
import Synchronization
import Testing

/// A `receive` that hands out `messages` in order and counts its calls.
final class MultipartReceiveScript: Sendable {
    private let messages: Mutex<[ReceiveMessage]>
    private let calls = Atomic<Int>(0)

    init(chunks: [[UInt8]]) {
        messages = Mutex(chunks.enumerated().map { .httpRequest(body: $1, moreBody: $0 < chunks.count - 1) })
    }

    init(messages: [ReceiveMessage]) {
        self.messages = Mutex(messages)
    }

    var callCount: Int { calls.load(ordering: .relaxed) }

    var receive: Receive {
        Receive {
            self.calls.add(1, ordering: .relaxed)
            return self.messages.withLock { $0.isEmpty ? .httpDisconnect : $0.removeFirst() }
        }
    }
}

/// A fresh temporary directory, removed after `body`; what `body` left in it is returned too.
func withUploadDirectory<T>(_ body: (String) async throws -> T) async throws -> (T, leftOver: [String]) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-multipart-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try await body(directory)
    return (result, try FileManager.default.contentsOfDirectory(atPath: directory))
}

@Suite("MultipartForm")
struct MultipartFormTests {
    static func scope(_ contentType: String = MultipartHarness.contentType, contentLength: Int? = nil) -> Scope {
        var headers: Headers = [("content-type", contentType)]
        if let contentLength { headers.append(name: "content-length", value: String(contentLength)) }
        return .http(HTTPScope(method: "POST", path: "/form", headers: headers))
    }

    static func chunks(_ body: [UInt8], size: Int) -> [[UInt8]] {
        stride(from: 0, to: body.count, by: size).map { Array(body[$0..<min($0 + size, body.count)]) }
    }

    static let bigFile = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }

    static let body = MultipartHarness.body([
        ("key", nil, nil, Array("v1".utf8)),
        ("small", "small.txt", "text/plain", Array("tiny".utf8)),
        ("key", nil, nil, Array("v2".utf8)),
        ("big", "big.bin", "application/octet-stream", bigFile),
        ("note", nil, "text/plain; charset=utf-8", Array("é\r\n".utf8)),
    ])

    @Test("fields and files keep body order; a file over the threshold is streamed to disk and removed on release")
    func readsInOrder() async throws {
        let (path, leftOver): (String?, [String]) = try await withUploadDirectory { directory in
            let limits = MultipartLimits(fileMemoryThreshold: 64 * 1024, temporaryDirectory: directory)
            var path: String?
            do {
                let form = try await MultipartForm.read(Self.scope(), MultipartReceiveScript(chunks: Self.chunks(Self.body, size: 4093)).receive, limits: limits)
                #expect(form.entries.map(\.name) == ["key", "small", "key", "big", "note"])
                #expect(form.fields.map(\.value) == ["v1", "v2", "é\r\n"])
                #expect(form.fields[2].contentType == "text/plain; charset=utf-8")
                #expect(form.value("key") == "v1")
                let files = form.files
                #expect(files.map(\.filename) == ["small.txt", "big.bin"])
                #expect(files.map(\.size) == [4, Self.bigFile.count])
                #expect(files[0].path == nil)
                #expect(files[0].contents() == Array("tiny".utf8))
                path = files[1].path
                #expect(path?.hasPrefix(directory + "/") == true)
                #expect(files[1].contents() == Self.bigFile)
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 1)
            }
            return path
        }
        #expect(path != nil)
        #expect(leftOver.isEmpty, "the form was released: \(leftOver)")
    }

    @Test("removeFiles deletes the temporary files at once, and copies share them")
    func explicitRemoval() async throws {
        let (_, leftOver) = try await withUploadDirectory { directory in
            let limits = MultipartLimits(fileMemoryThreshold: 1024, temporaryDirectory: directory)
            let form = try await MultipartForm.read(Self.scope(), MultipartReceiveScript(chunks: [Self.body]).receive, limits: limits)
            let copy = form
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 1)
            copy.removeFiles()
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
            if case .temporaryFile(let file) = form.files[1].storage { #expect(file.isRemoved) } else { Issue.record("in memory") }
            #expect(form.files[1].contents() == nil)
            form.removeFiles()  // twice is harmless
        }
        #expect(leftOver.isEmpty)
    }

    @Test("a failure after a file went to disk leaves no file behind", arguments: ["truncated", "fileTooLarge", "tooManyParts", "disconnect"])
    func cleanupOnError(failure: String) async throws {
        let (error, leftOver): (String, [String]) = try await withUploadDirectory { directory in
            var limits = MultipartLimits(fileMemoryThreshold: 1024, temporaryDirectory: directory)
            var messages = Self.chunks(Self.body, size: 8192).map { ReceiveMessage.httpRequest(body: $0, moreBody: true) }
            switch failure {
            case "truncated": messages[messages.count - 1] = .httpRequest(body: [], moreBody: false)
            case "fileTooLarge": limits.maxFileBytes = 200_000
            case "tooManyParts": limits.maxParts = 4
            default: messages.removeLast()  // then MultipartReceiveScript reports the disconnect
            }
            do {
                _ = try await MultipartForm.read(Self.scope(), MultipartReceiveScript(messages: messages).receive, limits: limits)
                return "no error"
            } catch let error as MultipartError {
                return "\(error.status) \(error)"
            } catch {
                return "\(type(of: error))"
            }
        }
        let expected = [
            "truncated": "400 \(MultipartError.truncated)", "fileTooLarge": "413 \(MultipartError.fileTooLarge)",
            "tooManyParts": "413 \(MultipartError.tooManyParts)", "disconnect": "ClientDisconnected",
        ]
        #expect(error == expected[failure])
        #expect(leftOver.isEmpty, "\(leftOver)")
    }

    @Test("field, file and total limits are 413; a content-length over the total is refused before reading")
    func sizeLimits() async throws {
        func read(_ limits: MultipartLimits, contentLength: Int? = nil) async -> (MultipartError?, calls: Int) {
            let receive = MultipartReceiveScript(chunks: Self.chunks(Self.body, size: 1000))
            do {
                _ = try await MultipartForm.read(Self.scope(contentLength: contentLength), receive.receive, limits: limits)
                return (nil, receive.callCount)
            } catch {
                return (error as? MultipartError, receive.callCount)
            }
        }
        #expect(await read(MultipartLimits(maxFieldBytes: 4)).0 == nil)  // "é\r\n" is 4 bytes
        #expect(await read(MultipartLimits(maxFieldBytes: 3)).0 == .fieldTooLarge)
        #expect(await read(MultipartLimits(maxFileBytes: Self.bigFile.count)).0 == nil)
        #expect(await read(MultipartLimits(maxFileBytes: Self.bigFile.count - 1)).0 == .fileTooLarge)
        #expect(await read(MultipartLimits(maxTotalBytes: Self.body.count)).0 == nil)
        let streamed = await read(MultipartLimits(maxTotalBytes: Self.body.count - 1))
        #expect(streamed.0 == .bodyTooLarge)
        #expect(streamed.calls == (Self.body.count + 999) / 1000)
        let declared = await read(MultipartLimits(maxTotalBytes: 1000), contentLength: Self.body.count)
        #expect(declared.0 == .bodyTooLarge)
        #expect(declared.calls == 0)
        #expect(MultipartError.bodyTooLarge.status == 413)
    }

    @Test("a request that is not multipart/form-data is a 400 before reading")
    func notMultipart() async {
        for scope in [Self.scope("application/json"), Self.scope("multipart/form-data"), .http(HTTPScope(method: "POST", path: "/"))] {
            let receive = MultipartReceiveScript(chunks: [Self.body])
            await #expect(throws: MultipartError.self) { try await MultipartForm.read(scope, receive.receive) }
            #expect(receive.callCount == 0)
        }
    }

    @Test("formData gives the seed's form_data: arrays of values in first-seen order, files as objects")
    func formData() async throws {
        let form = try await MultipartForm.read(Self.scope(), MultipartReceiveScript(chunks: [Self.body]).receive)
        let json = String(decoding: FormDataValue.object(form.formData()).jsonBytes, as: UTF8.self)
        #expect(json == #"{"key": ["v1", "v2"], "small": {"filename": "small.txt", "content_type": "text/plain", "size": 4}, "#
            + #""big": {"filename": "big.bin", "content_type": "application/octet-stream", "size": 300000}, "note": ["é\r\n"]}"#)
        let mixed = MultipartHarness.body([("x", "a", nil, [1]), ("x", nil, nil, Array("v".utf8)), ("y", #"\"q\""#, nil, [])])
        let other = try await MultipartForm.read(Self.scope(), MultipartReceiveScript(chunks: [mixed]).receive)
        #expect(String(decoding: FormDataValue.object(other.formData()).jsonBytes, as: UTF8.self)
            == #"{"x": [{"filename": "a", "content_type": null, "size": 1}, "v"], "y": {"filename": "\"q\"", "content_type": null, "size": 0}}"#)
        // The parsed JSON has the same content (checks the escaping).
        let decoded = try JSONSerialization.jsonObject(with: Data(FormDataValue.object(form.formData()).jsonBytes)) as? [String: Any]
        #expect(decoded?["key"] as? [String] == ["v1", "v2"])
        #expect(decoded?["note"] as? [String] == ["é\r\n"])
    }
}

/// The form endpoint the in-memory and live tests drive: the seed's `parse_form_request`
/// for multipart bodies, answering a refused body with the error's own status.
enum FormEndpoint {
    static func app(limits: MultipartLimits) -> App {
        App { scope, receive, send in
            do {
                let form = try await MultipartForm.read(scope, receive, limits: limits)
                let stored = form.files.map { $0.path == nil ? "memory" : "disk" }
                let response = FormDataValue.object([
                    .init("form_data", .object(form.formData())),
                    .init("method", .string("POST")),
                    .init("path", .string(scope.path)),
                    .init("storage", .array(stored.map(FormDataValue.string))),
                ])
                try await send(.httpResponseStart(status: 200, headers: [("content-type", "application/json")]))
                try await send(.httpResponseBody(body: response.jsonBytes))
            } catch let error as MultipartError {
                // Until the runtime answers HTTPResponseError by itself (the request helper's part).
                try await send(.httpResponseStart(status: error.status, headers: error.headers))
                try await send(.httpResponseBody(body: error.body))
            }
        }
    }
}

@Suite("MultipartForm through TestClient")
struct MultipartTestClientTests {
    @Test("a recorded curl upload through the in-memory HTTP machine", arguments: MultipartFixtures.all.map(\.client))
    func recorded(client: String) async throws {
        let fixture = try #require(MultipartFixtures.all.first { $0.client == client })
        let (response, leftOver) = try await withUploadDirectory { directory in
            let app = FormEndpoint.app(limits: MultipartLimits(fileMemoryThreshold: 1024, temporaryDirectory: directory))
            return try await TestClient(app: app).request("POST", "/form", headers: [("content-type", fixture.contentType)],
                                                          bodyChunks: MultipartFormTests.chunks(fixture.body, size: 333))
        }
        #expect(response.status == 200, "\(response.text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let formData = try #require(json["form_data"] as? [String: Any])
        #expect(json["path"] as? String == "/form")
        switch client {
        case "requests":
            #expect(formData["tag"] as? [String] == ["a", "b"])
            #expect((formData["upload"] as? [String: Any])?["size"] as? Int == 32)
            #expect(json["storage"] as? [String] == ["memory"])
        case "httpx":
            #expect(formData["key"] as? [String] == ["v1", "v2"])
            #expect((formData["file"] as? [String: Any])?["size"] as? Int == 1024)
        default:
            #expect(formData["key"] as? [String] == ["v1", "v2"])
            #expect((formData["blob"] as? [String: Any])?["size"] as? Int == 3000)
            #expect((formData["blob"] as? [String: Any])?["content_type"] as? String == "application/octet-stream")
            #expect(json["storage"] as? [String] == ["memory", "disk", "memory"])
        }
        #expect(leftOver.isEmpty)
    }

    @Test("too many parts and a truncated body are answered with the error's status")
    func refused() async throws {
        let app = FormEndpoint.app(limits: MultipartLimits(maxParts: 2))
        let client = TestClient(app: app)
        let three = MultipartHarness.body([("a", nil, nil, []), ("b", nil, nil, []), ("c", nil, nil, [])])
        let tooMany = try await client.post("/form", body: three, headers: [("content-type", MultipartHarness.contentType)])
        #expect(tooMany.status == 413)
        #expect(tooMany.text == "Too many multipart parts")
        let cut = try await client.post("/form", body: Array(three.prefix(40)), headers: [("content-type", MultipartHarness.contentType)])
        #expect(cut.status == 400)
        let wrongType = try await client.post("/form", text: "a=b", headers: [("content-type", "application/x-www-form-urlencoded")])
        #expect(wrongType.status == 400)
    }
}
