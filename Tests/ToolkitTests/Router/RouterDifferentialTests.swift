import Foundation
import RingwayToolkit
import Testing

/// A seeded generator (SplitMix64), so that a failure names a reproducible seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The reference matcher: split the decoded path, match every route on its own, rank the
/// matches lexicographically by per-segment precedence and take the best with the method.
struct ReferenceMatcher {
    enum Segment {
        case literal(String)
        case parameter(name: String, kind: String, suffix: String)
        case catchAll(String)
    }

    struct Route {
        let method: String
        let pattern: String
        let segments: [Segment]
    }

    var routes: [Route] = []

    mutating func add(_ method: String, _ pattern: String) {
        let segments: [Segment] = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { piece in
            guard piece.hasPrefix("{") else { return .literal(String(piece)) }
            let close = piece.firstIndex(of: "}")!
            let inner = piece[piece.index(after: piece.startIndex)..<close]
            let suffix = String(piece[piece.index(after: close)...])
            if inner.hasSuffix("...") { return .catchAll(String(inner.dropLast(3))) }
            let parts = inner.split(separator: ":")
            return .parameter(name: String(parts[0]), kind: parts.count > 1 ? String(parts[1]) : "str", suffix: suffix)
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments))
    }

    static func decode(_ raw: Substring) -> String {
        var bytes: [UInt8] = []
        let raw = Array(raw.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "%"), index + 2 < raw.count,
               let value = UInt8(String(decoding: raw[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(raw[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The route's rank vector and parameters, or nil when it does not match.
    func match(_ route: Route, _ rawSegments: [Substring]) -> (rank: [Int], parameters: [String: String])? {
        var rank: [Int] = []
        var parameters: [String: String] = [:]
        for (index, segment) in route.segments.enumerated() {
            if case .catchAll(let name) = segment {
                guard rawSegments.count > index else { return nil }
                parameters[name] = Self.decode(Substring(rawSegments[index...].joined(separator: "/")))
                rank.append(5)
                return (rank, parameters)
            }
            guard index < rawSegments.count else { return nil }
            let value = Self.decode(rawSegments[index])
            switch segment {
            case .literal(let text):
                guard value == text else { return nil }
                rank.append(0)
            case .parameter(let name, let kind, let suffix):
                var inner = value
                if !suffix.isEmpty {
                    guard value.utf8.count > suffix.utf8.count, value.hasSuffix(suffix) else { return nil }
                    inner = String(value.dropLast(suffix.count))
                }
                guard !inner.isEmpty else { return nil }
                if kind == "int" {
                    guard inner.utf8.count <= 19, inner.utf8.allSatisfy({ (48...57).contains($0) }), Int64(inner) != nil else { return nil }
                }
                parameters[name] = inner
                rank.append(suffix.isEmpty ? (kind == "int" ? 2 : 4) : 1)
            case .catchAll:
                break
            }
        }
        guard rawSegments.count == route.segments.count else { return nil }
        return (rank, parameters)
    }

    func resolve(_ method: String, _ rawPath: String) -> Expected {
        guard rawPath.hasPrefix("/") else { return .notFound }
        let rawSegments = rawPath.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var best: (rank: [Int], pattern: String, parameters: [String: String])?
        var allowed: Set<String> = []
        for route in routes {
            guard let (rank, parameters) = match(route, rawSegments) else { continue }
            let methods = route.method == "GET" ? ["GET", "HEAD"] : [route.method]
            allowed.formUnion(methods)
            guard methods.contains(method) else { continue }
            if best == nil || rank.lexicographicallyPrecedes(best!.rank) {
                best = (rank, route.pattern, parameters)
            }
        }
        if let best { return .route(best.pattern, best.parameters) }
        if allowed.isEmpty { return .notFound }
        return .methodNotAllowed(["GET", "HEAD", "POST", "DELETE"].filter(allowed.contains).joined(separator: ", "))
    }
}

@Suite("Router against a reference matcher")
struct RouterDifferentialTests {
    /// More than 8, so that literal siblings are binary-searched too.
    static let literals = ["a", "b", "ab", "users", "1", "c", "dd", "e", "ba", "x"]
    static let parameterSegments = ["{p}", "{p:int}", "{p}.j"]

    @Test("random route sets and 10,000 random paths resolve as the reference says", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func differential(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        var reference = ReferenceMatcher()
        let router = Router()
        var taken: Set<String> = []
        for _ in 0..<60 {
            let depth = Int.random(in: 1...3, using: &random)
            var segments: [String] = []
            var names = 0
            for level in 0..<depth {
                let roll = Int.random(in: 0..<10, using: &random)
                if roll < 5 {
                    segments.append(Self.literals.randomElement(using: &random)!)
                } else if roll < 9 || level < depth - 1 {
                    names += 1
                    segments.append(Self.parameterSegments.randomElement(using: &random)!.replacingOccurrences(of: "p", with: "p\(names)"))
                } else {
                    names += 1
                    segments.append("{rest\(names)...}")
                }
            }
            var pattern = "/" + segments.joined(separator: "/")
            if Int.random(in: 0..<8, using: &random) == 0 && !pattern.contains("...") { pattern += "/" }
            let method = ["GET", "POST", "DELETE"].randomElement(using: &random)!
            // Patterns equal up to parameter names conflict; the reference has no such rule.
            let shape = method + " " + pattern.replacingOccurrences(of: #"p\d+"#, with: "p", options: .regularExpression)
                .replacingOccurrences(of: #"rest\d+"#, with: "rest", options: .regularExpression)
            guard taken.insert(shape).inserted else { continue }
            router.on(HTTPMethod(rawValue: method), pattern, noop)
            reference.add(method, pattern)
        }
        let app = try router.build()
        let pathSegments = ["a", "b", "ab", "users", "1", "c", "dd", "e", "ba", "x", "aa", "d", "%62a", "42", "007", "x.j", "1.j", ".j", "", "%61", "a%2Fb", "%31", "9999999999999999999"]
        for _ in 0..<10_000 {
            let count = Int.random(in: 0...4, using: &random)
            let path = "/" + (0..<count).map { _ in pathSegments.randomElement(using: &random)! }.joined(separator: "/")
            let method = ["GET", "HEAD", "POST", "DELETE"].randomElement(using: &random)!
            let got = Expected(app.resolve(method: method, rawPath: Array(path.utf8)))
            let want = reference.resolve(method, path)
            #expect(got == want, "seed \(seed): \(method) \(path)")
            if got != want { return }
        }
    }
}
