import Foundation
import Ringway
import RingwayToolkit
import Testing

/// `multipart/form-data` through a live server on every backend, uploaded by real clients
/// (curl `-F`, Python httpx): fields, a file over the memory threshold streamed to disk and
/// its size reported, too many parts refused.
@Suite("Toolkit multipart forms on a live server")
struct ToolkitMultipartTests {
    /// The seed's `parse_form_request` for multipart bodies, plus where each file was kept
    /// and whether its temporary file was gone once the form was released.
    static func formApp(limits: MultipartLimits) -> App {
        App { scope, receive, send in
            do {
                var stored: [FormDataValue] = []
                var paths: [String] = []
                var formData: [FormDataValue.Member] = []
                do {
                    let form = try await MultipartForm.read(scope, receive, limits: limits)
                    formData = form.formData()
                    for file in form.files {
                        stored.append(.string(file.path == nil ? "memory" : "disk"))
                        if let path = file.path { paths.append(path) }
                    }
                }
                let removed = paths.allSatisfy { !FileManager.default.fileExists(atPath: $0) }
                let response = FormDataValue.object([
                    .init("form_data", .object(formData)),
                    .init("method", .string("POST")),
                    .init("path", .string(scope.path)),
                    .init("storage", .array(stored)),
                    .init("removed", .string(removed ? "yes" : "no")),
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

    static func withFiles<T>(_ body: (_ directory: String, _ bigFile: String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-multipart-e2e-\(UUID().uuidString)")
        let uploads = directory.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let big = directory.appendingPathComponent("big.bin")
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 13) }
        #expect(FileManager.default.createFile(atPath: big.path, contents: Data(bytes)))
        let result = try await body(uploads.path, big.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: uploads.path).isEmpty, "an upload was left behind")
        return result
    }

    /// The server's own body limit (1 MiB by default) raised above the 3 MiB upload.
    static let http = HTTPServerConfiguration(limits: HTTPParserLimits(maxBodyBytes: 16 << 20))

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test("curl -F: fields as arrays, a 3 MiB file streamed to disk and removed, too many parts 413", arguments: Backends.all)
    func curlUpload(backend: BackendKind) async throws {
        guard let curl = Curl.path else { try Test.cancel("curl is not installed (scripts/bootstrap installs it)") }
        try await Self.withFiles { directory, bigFile in
            let limits = MultipartLimits(maxParts: 8, temporaryDirectory: directory)
            try await withServer(Self.formApp(limits: limits), backend: backend, http: Self.http) { (_: Server, port: Int) async throws in
                let url = "http://127.0.0.1:\(port)/form"
                let upload = try await Curl.run(curl, ["-sS", "-F", "key=v1", "-F", "key=v2", "-F", "title=Hello world",
                                                       "-F", "upload=@\(bigFile);type=application/x-test", url])
                #expect(upload.status == 0, "\(upload.errors)")
                let json = try Self.object(upload.output)
                let formData = try #require(json["form_data"] as? [String: Any])
                #expect(formData["key"] as? [String] == ["v1", "v2"])
                #expect(formData["title"] as? [String] == ["Hello world"])
                let file = try #require(formData["upload"] as? [String: Any])
                #expect(file["filename"] as? String == "big.bin")
                #expect(file["content_type"] as? String == "application/x-test")
                #expect(file["size"] as? Int == 3 << 20)
                #expect(json["storage"] as? [String] == ["disk"])
                #expect(json["removed"] as? String == "yes")

                let parts = (0..<9).flatMap { ["-F", "field\($0)=x"] }
                let tooMany = try await Curl.run(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}"] + parts + [url])
                #expect(tooMany.output == "413")
                let notMultipart = try await Curl.run(curl, ["-sS", "-w", " %{http_code}", "--data", "a=b", url])
                #expect(notMultipart.output == "Expected multipart/form-data 400")
            }
        }
    }

    @Test("Python httpx uploads a file and repeated fields", arguments: Backends.all)
    func httpxUpload(backend: BackendKind) async throws {
        guard let python = ExternalProcess.find("python3") else { try Test.cancel("python3 is not installed") }
        let probe = try await ExternalProcess.run(python, ["-c", "import httpx"])
        if probe.status != 0 { try Test.cancel("Python httpx is missing (scripts/bootstrap installs it)") }
        let script = """
            import sys, httpx
            with open(sys.argv[2], "rb") as f:
                r = httpx.post(f"http://127.0.0.1:{sys.argv[1]}/form", data={"key": ["v1", "v2"]},
                               files={"doc": ("r\\u00e9sum\\u00e9.bin", f, "application/octet-stream")}, timeout=20)
            print(r.status_code)
            print(r.text)
            """
        try await Self.withFiles { directory, bigFile in
            let limits = MultipartLimits(temporaryDirectory: directory)
            try await withServer(Self.formApp(limits: limits), backend: backend, http: Self.http) { (_: Server, port: Int) async throws in
                let result = try await ExternalProcess.run(python, ["-c", script, String(port), bigFile], timeout: .seconds(60))
                #expect(result.status == 0, "\(result.errors)")
                let lines = result.output.split(separator: "\n", maxSplits: 1).map(String.init)
                #expect(lines.first == "200")
                let json = try Self.object(lines.last ?? "")
                let formData = try #require(json["form_data"] as? [String: Any])
                #expect(formData["key"] as? [String] == ["v1", "v2"])
                let file = try #require(formData["doc"] as? [String: Any])
                #expect(file["filename"] as? String == "résumé.bin")
                #expect(file["size"] as? Int == 3 << 20)
                #expect(json["storage"] as? [String] == ["disk"])
            }
        }
    }
}
