import RingwayToolkit
import Testing

@Suite("Request cookies (RFC 6265 §5.4, lenient)")
struct CookiesTests {
    @Test("pairs, whitespace, quotes, several cookie fields")
    func parsing() {
        let headers: Headers = [("cookie", " session=abc123 ; theme=\"dark\";empty=; lang=en=GB"), ("x", "y"), ("Cookie", "late=1")]
        let cookies = Cookies(headers: headers)
        #expect(cookies["session"] == "abc123")
        #expect(cookies["theme"] == "dark")
        #expect(cookies["empty"] == "")
        #expect(cookies["lang"] == "en=GB")
        #expect(cookies["late"] == "1")
        #expect(cookies["missing"] == nil)
        #expect(cookies.map { $0.name } == ["session", "theme", "empty", "lang", "late"])
    }

    @Test("a pair without = is a nameless value; empty pieces are skipped; the first of a name wins")
    func edges() {
        let cookies = Cookies(parsing: Array("token; ;; a=1; a=2".utf8))
        #expect(cookies.pairs.map { "\($0.name)|\($0.value)" } == ["|token", "a|1", "a|2"])
        #expect(cookies["a"] == "1")
        #expect(cookies.all("a") == ["1", "2"])
        #expect(Cookies(headers: Headers()).isEmpty)
    }
}
