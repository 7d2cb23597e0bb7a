import Foundation
import RingwayTestSupport
@testable import RingwayToolkit
import Testing

@Suite("SetCookie: checked before it reaches the wire")
struct SetCookieTests {
    @Test("every attribute, in order")
    func attributes() throws {
        let cookie = try SetCookie(name: "session", value: "abc.123", path: "/", domain: "example.com", maxAge: 3600,
                                   expires: Date(timeIntervalSince1970: 784_111_777), secure: true, httpOnly: true, sameSite: .lax)
        #expect(cookie.headerValue
            == "session=abc.123; Path=/; Domain=example.com; Max-Age=3600; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Secure; HttpOnly; SameSite=Lax")
        #expect(try SetCookie(name: "q", value: "\"quoted\"").headerValue == "q=\"quoted\"")
        #expect(try SetCookie.expired(name: "session").headerValue == "session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test("dates before and after the epoch and in leap years")
    func dates() {
        #expect(SetCookie.imfFixdate(Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(SetCookie.imfFixdate(Date(timeIntervalSince1970: -1)) == "Wed, 31 Dec 1969 23:59:59 GMT")
        #expect(SetCookie.imfFixdate(Date(timeIntervalSince1970: 4_102_444_799)) == "Thu, 31 Dec 2099 23:59:59 GMT")
    }

    @Test("refuses what the wire or the browsers do not take")
    func refusals() {
        #expect(throws: CookieError(.invalidName(""))) { try SetCookie(name: "", value: "v") }
        #expect(throws: CookieError(.invalidName("a b"))) { try SetCookie(name: "a b", value: "v") }
        #expect(throws: CookieError(.invalidName("a=b"))) { try SetCookie(name: "a=b", value: "v") }
        for value in ["a b", "a;b", "a,b", "a\\b", "é", "a\r\nset-cookie: x=1", "\"a"] {
            #expect(throws: CookieError(.invalidValue(value))) { try SetCookie(name: "n", value: value) }
        }
        #expect(throws: CookieError(.invalidPath("/a;b"))) { try SetCookie(name: "n", value: "v", path: "/a;b") }
        #expect(throws: CookieError(.invalidPath("/a\nb"))) { try SetCookie(name: "n", value: "v", path: "/a\nb") }
        #expect(throws: CookieError(.invalidDomain("a b.com"))) { try SetCookie(name: "n", value: "v", domain: "a b.com") }
        #expect(throws: CookieError(.sameSiteNoneWithoutSecure)) { try SetCookie(name: "n", value: "v", sameSite: SetCookie.SameSite.none) }
        #expect(throws: CookieError(.prefixRequirements("__Secure-id"))) { try SetCookie(name: "__Secure-id", value: "v") }
        #expect(throws: CookieError(.prefixRequirements("__Host-id"))) { try SetCookie(name: "__Host-id", value: "v", path: "/", secure: true, httpOnly: false, sameSite: nil).withDomain() }
        #expect((try? SetCookie(name: "__Host-id", value: "v", path: "/", secure: true)) != nil)
    }

    @Test("added to a response as set-cookie fields, read back by the next request")
    func roundTrip() async throws {
        let app = App { scope, receive, send in
            let request = Request(scope, receive)
            if let session = request.cookies["session"] {
                try await send.text("hello \(session)")
                return
            }
            var headers = Headers()
            headers.append(try SetCookie(name: "session", value: "s1", path: "/", httpOnly: true))
            headers.append(try SetCookie(name: "theme", value: "dark"))
            try await send.redirect(to: "/", headers: headers)
        }
        let client = TestClient(app: app)
        let first = try await client.get("/")
        #expect(first.status == 303)
        let cookies = first.headers.values("set-cookie").map { String(decoding: $0, as: UTF8.self) }
        #expect(cookies == ["session=s1; Path=/; HttpOnly", "theme=dark"])
        let second = try await client.get("/", headers: [("cookie", "session=s1; theme=dark")])
        #expect(second.text == "hello s1")
    }
}

extension SetCookie {
    /// The same cookie with a domain, for the `__Host-` rule.
    fileprivate func withDomain() throws(CookieError) -> SetCookie {
        try SetCookie(name: name, value: value, path: path, domain: "example.com", maxAge: maxAge, expires: expires,
                      secure: secure, httpOnly: httpOnly, sameSite: sameSite)
    }
}
