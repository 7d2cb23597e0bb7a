@testable import LoadGenerator
import LoadReportFormat
import Foundation
import Testing

/// `--path-template` and `--expect-body`: the request made for each id, and the body check that
/// decides whether a 2xx answer counts as a `body` error.
@Suite("RequestTemplate")
struct RequestTemplateTests {
    static let request = "GET /users/{n} HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n\r\n"
    static let body = #"{"id":{n},"name":"user {n}"}"#

    static func matches(_ template: RequestTemplate, _ text: String, id: Int) -> Bool {
        Array(text.utf8).withUnsafeBytes { template.bodyMatches($0, id: id) }
    }

    @Test("the request holds the id where {n} was, for every id")
    func request() throws {
        let template = try #require(RequestTemplate(request: Self.request, expectedBody: nil, ids: 3))
        for id in [1, 42, 10_000] {
            var bytes: [UInt8] = []
            template.append(id: id, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == "GET /users/\(id) HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n\r\n")
        }
        var two: [UInt8] = []
        template.append(id: 7, to: &two)
        template.append(id: 8, to: &two)
        #expect(String(decoding: two, as: UTF8.self).components(separatedBy: "GET /users/").count == 3)
    }

    @Test("no placeholder or no ids: no template")
    func rejected() {
        #expect(RequestTemplate(request: "GET /users/1 HTTP/1.1\r\n\r\n", expectedBody: nil, ids: 3) == nil)
        #expect(RequestTemplate(request: Self.request, expectedBody: nil, ids: 0) == nil)
    }

    @Test("the body must be exactly the template with the request's own id, twice")
    func body() throws {
        let template = try #require(RequestTemplate(request: Self.request, expectedBody: Self.body, ids: 10))
        #expect(Self.matches(template, #"{"id":42,"name":"user 42"}"#, id: 42))
        #expect(!Self.matches(template, #"{"id":42,"name":"user 42"}"#, id: 4))
        #expect(!Self.matches(template, #"{"id":4,"name":"user 42"}"#, id: 4))
        #expect(!Self.matches(template, #"{"id":42,"name":"user 4"#, id: 42))
        #expect(!Self.matches(template, "", id: 42))
        // Every strict prefix is wrong too (a short body is never taken for the whole).
        let whole = Array(#"{"id":123,"name":"user 123"}"#.utf8)
        for cut in 0..<whole.count {
            #expect(!whole[..<cut].withUnsafeBytes { template.bodyMatches($0, id: 123) }, "cut at \(cut)")
        }
    }

    @Test("a JSON object's members may come in any order, with spaces; nothing else may differ")
    func memberOrder() throws {
        let template = try #require(RequestTemplate(request: Self.request, expectedBody: Self.body, ids: 10))
        #expect(Self.matches(template, #"{"name":"user 42","id":42}"#, id: 42))
        #expect(Self.matches(template, #" { "name" : "user 42" , "id" : 42 } "#, id: 42))
        #expect(!Self.matches(template, #"{"name":"user 42","id":41}"#, id: 42))
        #expect(!Self.matches(template, #"{"name":"user 42","id":42,"id":42}"#, id: 42))
        #expect(!Self.matches(template, #"{"name":"user 42"}"#, id: 42))
        #expect(!Self.matches(template, #"{"name":"user 42","id":{"n":42}}"#, id: 42))
        #expect(!Self.matches(template, #"{"name":"user 42","id":42}x"#, id: 42))
        #expect(!Self.matches(template, #"{"name":"user 42","id":42"#, id: 42))
        #expect(!Self.matches(template, #"{"name":"user 42" "id":42}"#, id: 42))
    }

    @Test("flat JSON members: raw keys and values, escapes kept; nesting and bad syntax refused")
    func flatMembers() {
        func members(_ text: String) -> [FlatJSONObject.Member]? {
            Array(text.utf8).withUnsafeBytes(FlatJSONObject.members)
        }
        #expect(members("{}") == [])
        #expect(members(#"{"a":"x\"y","b":-1.5e3,"c":true}"#)?.map { String(decoding: $0.value, as: UTF8.self) }
            == [#""x\"y""#, "-1.5e3", "true"])
        #expect(members(#"{"a":[1]}"#) == nil)
        #expect(members(#"{"a":}"#) == nil)
        #expect(members(#"{"a" 1}"#) == nil)
        #expect(members(#"["a"]"#) == nil)
        #expect(members(#"{"a":"open}"#) == nil)
    }

    @Test("without an expected body every answer matches")
    func noBody() throws {
        let template = try #require(RequestTemplate(request: Self.request, expectedBody: nil, ids: 10))
        #expect(Self.matches(template, "anything", id: 1))
    }

    @Test("error counts: body errors count in the total and the description; older reports without them load")
    func errorCounts() throws {
        var errors = ErrorCounts()
        errors.body = 2
        errors.status = 1
        #expect(errors.total == 3)
        #expect(errors.description == "status 1, body 2")
        let old = #"{"connect":0,"read":0,"write":0,"status":1,"protocol":0,"timeout":0,"closed":0}"#
        let decoded = try JSONDecoder().decode(ErrorCounts.self, from: Data(old.utf8))
        #expect(decoded.body == 0 && decoded.status == 1)
        let roundTrip = try JSONDecoder().decode(ErrorCounts.self, from: JSONEncoder().encode(errors))
        #expect(roundTrip.body == 2)
    }
}
