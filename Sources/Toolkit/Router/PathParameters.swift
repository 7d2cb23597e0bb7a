/// What the router stores in a routed scope's values: the route and where its parameters
/// lie in `rawPath`. Three words (a reference and 16 bytes of spans), so `any Sendable`
/// holds it inline and `ScopeValues` stores it without allocating.
struct MatchedRoute: Sendable {
    let info: RouteInfo
    /// Up to 4 captures as 16-bit (start, end) pairs: capture i in bits 32·(i % 2) of
    /// `spans.(i / 2)`. Larger matches carry their offsets in a spilled `info` instead.
    let spans: (UInt64, UInt64)

    init(_ info: RouteInfo, _ captures: Captures) {
        var packed: (UInt64, UInt64) = (0, 0)
        var fits = captures.count <= 4
        if fits {
            for index in 0..<captures.count {
                let (start, end) = captures.span(index)
                guard end <= Int(UInt16.max) else {
                    fits = false
                    break
                }
                let pair = UInt64(start) << 16 | UInt64(end)
                if index < 2 { packed.0 |= pair << (32 * UInt64(index)) } else { packed.1 |= pair << (32 * UInt64(index - 2)) }
            }
        }
        if fits || captures.count == 0 {
            self.info = info
            self.spans = packed
        } else {
            var offsets: [UInt32] = []
            offsets.reserveCapacity(captures.count * 2)
            for index in 0..<captures.count {
                let (start, end) = captures.span(index)
                offsets += [UInt32(start), UInt32(end)]
            }
            self.info = info.spilled(offsets)
            self.spans = (0, 0)
        }
    }

    var count: Int { info.names.count }

    func span(_ index: Int) -> (start: Int, end: Int) {
        if !info.spilledSpans.isEmpty {
            return (Int(info.spilledSpans[2 * index]), Int(info.spilledSpans[2 * index + 1]))
        }
        let word = index < 2 ? spans.0 : spans.1
        let pair = word >> (32 * UInt64(index % 2))
        return (Int(pair >> 16 & 0xFFFF), Int(pair & 0xFFFF))
    }
}

enum MatchedRouteKey: ScopeValueKey {
    typealias Value = MatchedRoute
}

/// The path parameters of the route that took a request: `scope.pathParameters["id"]`.
///
/// Values are read from the scope's `rawPath` when asked for: `subscript` percent-decodes,
/// `int(_:)` parses the bytes without making a string, `raw(_:)` gives them as sent. A scope
/// no parameterised route took has none. As a collection: `(name, value)` pairs in pattern order.
public struct PathParameters: Sendable, RandomAccessCollection {
    let matched: MatchedRoute?
    let rawPath: [UInt8]

    init(_ matched: MatchedRoute?, rawPath: [UInt8]) {
        self.matched = matched
        self.rawPath = rawPath
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { matched?.count ?? 0 }

    /// The `index`th parameter's name and decoded value.
    public subscript(position: Int) -> (name: String, value: String) {
        let (start, end) = matched!.span(position)
        return (matched!.info.names[position], Self.string(rawPath[start..<end]))
    }

    /// The pattern of the matched route (`/users/{id:int}`), for logs and metrics; nil when
    /// no route set it (static routes without a body limit pass the scope through untouched).
    public var pattern: String? { matched?.info.pattern }

    /// The value of parameter `name`, percent-decoded (`%2F` gives `/`); nil when there is none.
    public subscript(name: String) -> String? {
        raw(name).map(Self.string)
    }

    /// The value of parameter `name` as sent, not decoded.
    public func raw(_ name: String) -> ArraySlice<UInt8>? {
        guard let matched, let index = matched.info.names.firstIndex(of: name) else { return nil }
        let (start, end) = matched.span(index)
        return rawPath[start..<end]
    }

    /// The value of parameter `name` as an `Int` (decimal, optional `-`), or nil when absent
    /// or not a number. A `{name:int}` parameter always parses.
    public func int(_ name: String) -> Int? {
        guard let bytes = raw(name) else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            var index = 0
            var negative = false
            var value = 0
            var digits = 0
            while index < buffer.count {
                let (byte, next) = PercentDecodedBytes.step(buffer, index, buffer.count)
                if index == 0 && byte == UInt8(ascii: "-") {
                    negative = true
                } else {
                    let digit = byte &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                    let (sum, overflowAdd) = negative ? times.subtractingReportingOverflow(Int(digit)) : times.addingReportingOverflow(Int(digit))
                    guard !overflow, !overflowAdd else { return nil }
                    value = sum
                    digits += 1
                }
                index = next
            }
            return digits > 0 ? value : nil
        }
    }

    private static func string(_ raw: ArraySlice<UInt8>) -> String {
        String(decoding: PercentDecodedBytes.decode(raw), as: UTF8.self)
    }
}

extension Scope {
    /// The path parameters of the route that took this scope (empty when none did).
    public var pathParameters: PathParameters {
        switch self {
        case .http(let scope): scope.pathParameters
        case .websocket(let scope): scope.pathParameters
        case .lifespan: PathParameters(nil, rawPath: [])
        }
    }

    /// The request-body limit in bytes of the route that took this scope, if it set one.
    public var routeBodyLimit: Int? { values[MatchedRouteKey.self]?.info.bodyLimit }
}

extension HTTPScope {
    /// The path parameters of the route that took this request (empty when none did).
    public var pathParameters: PathParameters { PathParameters(values[MatchedRouteKey.self], rawPath: rawPath) }
    /// The request-body limit in bytes of the route that took this request, if it set one.
    public var routeBodyLimit: Int? { values[MatchedRouteKey.self]?.info.bodyLimit }
}

extension WebSocketScope {
    /// The path parameters of the route that took this connection (empty when none did).
    public var pathParameters: PathParameters { PathParameters(values[MatchedRouteKey.self], rawPath: rawPath) }
}
