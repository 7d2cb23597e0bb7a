import RingwayTestSupport
@testable import RingwayToolkit
import Testing

@Suite("Proxy headers and client address")
struct ProxyHeadersTests {
    @Test("IPv4 and IPv6 text forms parse; others do not", arguments: [
        ("127.0.0.1", true), ("0.0.0.0", true), ("255.255.255.255", true), ("256.0.0.1", false), ("1.2.3", false),
        ("01.2.3.4", false), ("1.2.3.4.5", false), ("::1", true), ("::", true), ("fe80::1%eth0", true), ("[::1]", true),
        ("2001:db8::8a2e:370:7334", true), ("2001:0db8:0000:0000:0000:ff00:0042:8329", true), ("::ffff:10.1.2.3", true),
        ("1::2::3", false), ("12345::", false), ("1:2:3:4:5:6:7:8:9", false), ("g::1", false), ("+1::", false),
        ("localhost", false), ("", false), ("1.2.3.4/8", false),
    ])
    func parsing(text: String, valid: Bool) {
        #expect((IPAddress(text) != nil) == valid)
    }

    @Test("an IPv4-mapped IPv6 address is the IPv4 address; expanded and compressed v6 forms are equal")
    func equivalence() {
        #expect(IPAddress("::ffff:127.0.0.1") == IPAddress("127.0.0.1"))
        #expect(IPAddress("2001:db8:0:0:0:0:0:1") == IPAddress("2001:db8::1"))
        #expect(IPAddress("::1") != IPAddress("127.0.0.1"))
    }

    @Test("CIDR blocks contain what they should", arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false), ("192.168.1.0/24", "192.168.1.77", true),
        ("192.168.1.0/24", "192.168.2.1", false), ("0.0.0.0/0", "8.8.8.8", true), ("0.0.0.0/0", "::1", false),
        ("fd00::/8", "fd12:3456::1", true), ("fd00::/8", "fe80::1", false), ("::/0", "2001:db8::1", true),
        ("2001:db8::/127", "2001:db8::1", true), ("2001:db8::/128", "2001:db8::1", false), ("127.0.0.1", "127.0.0.1", true),
        ("10.1.2.3/8", "10.9.9.9", true),
    ])
    func cidr(block: String, address: String, inside: Bool) throws {
        let range = try #require(IPAddressRange(block))
        #expect(range.contains(try #require(IPAddress(address))) == inside)
    }

    @Test("the trusted list: IPs, CIDRs, literals, '*'; a bad CIDR is an error")
    func trustedList() throws {
        let proxies = try TrustedProxies("127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,/run/proxy.sock")
        #expect(proxies.trusts("127.0.0.1") && proxies.trusts("10.3.4.5") && proxies.trusts("::1") && proxies.trusts("fd00::9"))
        #expect(proxies.trusts("::ffff:127.0.0.1"))
        #expect(proxies.trusts("/run/proxy.sock"))
        #expect(!proxies.trusts("127.0.0.2") && !proxies.trusts("8.8.8.8") && !proxies.trusts("fe80::1") && !proxies.trusts("evil"))
        #expect(TrustedProxies.all.trusts("203.0.113.9"))
        #expect(!TrustedProxies.nobody.trusts("127.0.0.1"))
        #expect(throws: TrustedProxiesError.invalidEntry("10.0.0.0/33")) { try TrustedProxies("10.0.0.0/33") }
        #expect(throws: TrustedProxiesError.invalidEntry("::1/x")) { try TrustedProxies("::1/x") }
    }

    @Test("x-forwarded-for is walked from the right, skipping trusted hops", arguments: [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7, 10.0.0.2", "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7, 10.0.0.2, 10.0.0.3", "203.0.113.7"),  // the leftmost is the client's own claim
        ("10.0.0.5, 10.0.0.2", "10.0.0.5"),  // all trusted: the leftmost
        (" , 203.0.113.7 ,", "203.0.113.7"),
    ])
    func walking(forwardedFor: String, client: String) throws {
        #expect(try TrustedProxies("127.0.0.1, 10.0.0.0/8").clientHost(forwardedFor: forwardedFor) == client)
    }

    @Test("with '*' the leftmost hop is the client; an empty list gives none")
    func walkingAll() {
        #expect(TrustedProxies.all.clientHost(forwardedFor: "1.1.1.1, 2.2.2.2") == "1.1.1.1")
        #expect(TrustedProxies.loopback.clientHost(forwardedFor: " , ") == nil)
    }

    /// Answers `scheme client` as the handler sees them.
    static let reporter = App { scope, _, send in
        let text: String
        switch scope {
        case .http(let request): text = "\(request.scheme) \(request.client?.description ?? "-")"
        case .websocket(let socket): text = "\(socket.scheme) \(socket.client?.description ?? "-")"
        case .lifespan: text = "lifespan"
        }
        try await send(.httpResponseStart(status: 200))
        try await send(.httpResponseBody(text))
    }

    static func answer(_ proxies: TrustedProxies, peer: String, headers: Headers, websocket: Bool = false) async throws -> String {
        let client = PeerAddress(host: peer, port: 4321)
        let scope: Scope = websocket ? .websocket(WebSocketScope(path: "/", headers: headers, client: client)) : Fixture.http(headers: headers, client: client)
        let sent = try await Fixture.call(reporter.with(ProxyHeadersMiddleware(trustedProxies: proxies)), scope)
        for case .httpResponseBody(let body, _) in sent { return String(decoding: body, as: UTF8.self) }
        return "nothing"
    }

    @Test("a trusted peer's x-forwarded-for and -proto set client and scheme")
    func trustedPeer() async throws {
        let headers: Headers = [("x-forwarded-for", "203.0.113.7, 10.0.0.2"), ("x-forwarded-proto", "https")]
        #expect(try await Self.answer(try TrustedProxies("10.0.0.0/8"), peer: "10.0.0.3", headers: headers) == "https 203.0.113.7:0")
        #expect(try await Self.answer(try TrustedProxies("10.0.0.0/8"), peer: "10.0.0.3", headers: headers, websocket: true) == "wss 203.0.113.7:0")
        let insecure: Headers = [("x-forwarded-proto", "ws")]
        #expect(try await Self.answer(.loopback, peer: "127.0.0.1", headers: insecure) == "http 127.0.0.1:4321")
    }

    @Test("headers spoofed by an untrusted peer are ignored")
    func untrustedPeer() async throws {
        let spoofed: Headers = [("x-forwarded-for", "1.2.3.4"), ("x-forwarded-proto", "https")]
        #expect(try await Self.answer(.loopback, peer: "203.0.113.50", headers: spoofed) == "http 203.0.113.50:4321")
        #expect(try await Self.answer(.loopback, peer: "203.0.113.50", headers: spoofed, websocket: true) == "ws 203.0.113.50:4321")
        #expect(try await Self.answer(.nobody, peer: "127.0.0.1", headers: spoofed) == "http 127.0.0.1:4321")
    }

    @Test("an unknown x-forwarded-proto is ignored; several x-forwarded-for fields form one list")
    func oddValues() async throws {
        #expect(try await Self.answer(.loopback, peer: "127.0.0.1", headers: [("x-forwarded-proto", "gopher")]) == "http 127.0.0.1:4321")
        let split: Headers = [("x-forwarded-for", "198.51.100.1"), ("x-forwarded-for", "127.0.0.1")]
        #expect(try await Self.answer(.loopback, peer: "127.0.0.1", headers: split) == "http 198.51.100.1:0")
    }

    @Test("the plain functions answer what the middleware would set")
    func plainFunctions() throws {
        let proxies = try TrustedProxies("127.0.0.1")
        let scope = Fixture.http(headers: [("x-forwarded-for", "198.51.100.9"), ("x-forwarded-proto", "https")])
        #expect(proxies.client(of: scope) == PeerAddress(host: "198.51.100.9", port: 0))
        #expect(proxies.scheme(of: scope) == "https")
        #expect(TrustedProxies.nobody.client(of: scope) == PeerAddress(host: "127.0.0.1", port: 50_000))
        #expect(proxies.client(of: .lifespan(LifespanScope())) == nil)
    }

    @Test("through the test client (peer 127.0.0.1): trusted by default, ignored when the list excludes it")
    func throughTestClient() async throws {
        let headers: Headers = [("x-forwarded-for", "198.51.100.2"), ("x-forwarded-proto", "https")]
        let trusted = try await TestClient(app: Self.reporter.with(ProxyHeadersMiddleware())).get("/", headers: headers)
        #expect(trusted.text == "https 198.51.100.2:0")
        let untrusted = try await TestClient(app: Self.reporter.with(ProxyHeadersMiddleware(trustedProxies: try TrustedProxies("10.0.0.1")))).get("/", headers: headers)
        #expect(untrusted.text.hasPrefix("http 127.0.0.1:"))
    }
}
