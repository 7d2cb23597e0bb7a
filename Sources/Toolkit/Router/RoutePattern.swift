/// What a typed parameter accepts.
enum ParameterKind: UInt8, Hashable, Sendable {
    /// A non-empty segment (the default).
    case str
    /// 1–19 ASCII digits whose value fits `Int64` (no sign, as Starlette's `[0-9]+`).
    case int
    /// 8-4-4-4-12 hex digits, either case.
    case uuid
}

/// One `/`-separated piece of a pattern.
enum PatternSegment: Hashable, Sendable {
    /// Bytes to equal the decoded segment (the pattern's text as written).
    case literal([UInt8])
    /// `{name}`, `{name:int}`, `{name:uuid}`, or one of those between literal bytes (`{file}.jpg`).
    case parameter(name: String, kind: ParameterKind, prefix: [UInt8], suffix: [UInt8])
    /// A final `{name...}`: the rest of the path, possibly empty.
    case catchAll(name: String)

    /// The segment with its parameter name left out: two patterns whose segments are equal
    /// this way match the same paths.
    var shape: PatternSegment {
        switch self {
        case .literal: self
        case .parameter(_, let kind, let prefix, let suffix): .parameter(name: "", kind: kind, prefix: prefix, suffix: suffix)
        case .catchAll: .catchAll(name: "")
        }
    }

    var parameterName: String? {
        switch self {
        case .literal: nil
        case .parameter(let name, _, _, _), .catchAll(let name): name
        }
    }
}

/// A parsed route pattern: the grammar's only home.
///
/// `/` then segments joined by `/`; a segment is a literal, `{name}`, `{name:int}`,
/// `{name:uuid}` (`{name:str}` is the default spelled out), one parameter with a literal
/// prefix and/or suffix (`{file}.jpg`, `v{n:int}`), or a final `{name...}`. `{{` and `}}`
/// are literal braces. `/` is one empty segment and a trailing `/` a final empty one; no
/// other segment may be empty. At most 8 parameters.
struct RoutePattern: Sendable {
    static let maxParameters = 8

    let text: String
    let segments: [PatternSegment]
    let parameterNames: [String]

    /// Parses `text`, or says what is wrong with it.
    init(parsing text: String) throws(PatternProblem) {
        self.text = text
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "/") else { throw .noLeadingSlash }
        let pieces = bytes.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var segments: [PatternSegment] = []
        var names: [String] = []
        for (index, piece) in pieces.enumerated() {
            let isLast = index == pieces.count - 1
            if piece.isEmpty && !isLast { throw .emptySegment }
            let segment = try Self.parseSegment(piece, isLast: isLast)
            if let name = segment.parameterName {
                if names.contains(name) { throw .duplicateName(name) }
                names.append(name)
            }
            segments.append(segment)
        }
        if names.count > Self.maxParameters { throw .tooManyParameters(names.count) }
        self.segments = segments
        self.parameterNames = names
    }

    private static func parseSegment(_ piece: ArraySlice<UInt8>, isLast: Bool) throws(PatternProblem) -> PatternSegment {
        var prefix: [UInt8] = []
        var suffix: [UInt8] = []
        var parameter: (name: String, kind: ParameterKind, catchAll: Bool)?
        var index = piece.startIndex
        while index < piece.endIndex {
            let byte = piece[index]
            let next = index + 1 < piece.endIndex ? piece[index + 1] : nil
            if byte == UInt8(ascii: "{") && next == UInt8(ascii: "{") || byte == UInt8(ascii: "}") && next == UInt8(ascii: "}") {
                if parameter == nil { prefix.append(byte) } else { suffix.append(byte) }
                index += 2
                continue
            }
            if byte == UInt8(ascii: "}") { throw .unbalancedBrace }
            guard byte == UInt8(ascii: "{") else {
                if parameter == nil { prefix.append(byte) } else { suffix.append(byte) }
                index += 1
                continue
            }
            guard parameter == nil else { throw .twoParametersInSegment }
            guard let close = piece[index...].firstIndex(of: UInt8(ascii: "}")) else { throw .unbalancedBrace }
            let body = piece[(index + 1)..<close]
            guard !body.isEmpty else { throw .emptyParameter }
            parameter = try parseParameter(body)
            index = close + 1
        }
        guard let parameter else { return .literal(prefix) }
        if parameter.catchAll {
            guard isLast, prefix.isEmpty, suffix.isEmpty else { throw .catchAllNotLast(parameter.name) }
            return .catchAll(name: parameter.name)
        }
        return .parameter(name: parameter.name, kind: parameter.kind, prefix: prefix, suffix: suffix)
    }

    private static func parseParameter(_ body: ArraySlice<UInt8>) throws(PatternProblem) -> (name: String, kind: ParameterKind, catchAll: Bool) {
        let text = String(decoding: body, as: UTF8.self)
        if text.hasSuffix("...") {
            let name = String(text.dropLast(3))
            if name.contains(":") { throw .catchAllTyped(name) }
            guard isIdentifier(name) else { throw .badName(name) }
            return (name, .str, true)
        }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard isIdentifier(name) else { throw .badName(name) }
        guard parts.count == 2 else { return (name, .str, false) }
        switch parts[1] {
        case "str": return (name, .str, false)
        case "int": return (name, .int, false)
        case "uuid": return (name, .uuid, false)
        default: throw .unknownType(String(parts[1]))
        }
    }

    /// ASCII letter or `_`, then letters, digits and `_`.
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    /// `prefix` and `pattern` joined as a group does: `""` is the prefix itself.
    static func join(_ prefix: String, _ pattern: String) -> String {
        var prefix = prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if pattern.isEmpty { return prefix.isEmpty ? "/" : prefix }
        return prefix + pattern
    }
}

/// What is wrong with one pattern (reported through `RouterError`).
enum PatternProblem: Error, Equatable, Sendable, CustomStringConvertible {
    case noLeadingSlash
    case emptySegment
    case unbalancedBrace
    case emptyParameter
    case twoParametersInSegment
    case badName(String)
    case unknownType(String)
    case duplicateName(String)
    case catchAllNotLast(String)
    case catchAllTyped(String)
    case tooManyParameters(Int)

    var description: String {
        switch self {
        case .noLeadingSlash: "a pattern starts with /"
        case .emptySegment: "empty segment (//)"
        case .unbalancedBrace: "unbalanced { or } (write {{ and }} for literal braces)"
        case .emptyParameter: "empty parameter {}"
        case .twoParametersInSegment: "two parameters in one segment"
        case .badName(let name): "parameter name \"\(name)\" is not an identifier"
        case .unknownType(let type): "unknown parameter type \"\(type)\" (int, uuid or str)"
        case .duplicateName(let name): "parameter \"\(name)\" appears twice"
        case .catchAllNotLast(let name): "{\(name)...} must be the whole last segment"
        case .catchAllTyped(let name): "{\(name)} is a catch-all and takes no type"
        case .tooManyParameters(let count): "\(count) parameters, at most \(RoutePattern.maxParameters)"
        }
    }
}
