public import Foundation

extension Request {
    /// The body decoded as JSON into `type` with `decoder`.
    ///
    /// A body that does not decode throws `HTTPError.badRequest("Invalid JSON")` (400,
    /// `text/plain`, exactly that body); the decoding error, with its coding path, goes to
    /// `logger` at debug level and never into the response. Body limits as `body(limit:)`.
    public func json<Value: Decodable>(_ type: Value.Type = Value.self, limit: Int? = nil,
                                       decoder: JSONDecoder = Request.jsonDecoder) async throws -> Value {
        let bytes = try await body(limit: limit)
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            logger.debug("refused a JSON body: \(Self.describe(error))", metadata: ["path": "\(path)", "type": "\(Value.self)"])
            throw Self.invalidJSON
        }
    }

    /// The body as a `JSONValue` (object members in order, numbers as written).
    ///
    /// An empty body gives `ifEmpty` when set (the seed's `{}`: `json(ifEmpty: [:])`), else
    /// it is invalid. Invalid JSON throws `HTTPError.badRequest("Invalid JSON")`, the parse
    /// error logged at debug level.
    public func json(ifEmpty: JSONValue? = nil, limit: Int? = nil,
                     maxDepth: Int = JSONValue.defaultMaxDepth) async throws -> JSONValue {
        let bytes = try await body(limit: limit)
        if bytes.isEmpty, let ifEmpty { return ifEmpty }
        do {
            return try JSONValue(parsing: bytes, maxDepth: maxDepth)
        } catch {
            logger.debug("refused a JSON body: \(error)", metadata: ["path": "\(path)"])
            throw Self.invalidJSON
        }
    }

    /// The body as `application/x-www-form-urlencoded` fields (see `FormData`).
    ///
    /// Throws `HTTPError.unsupportedMediaType` (415) when `content-type` names another type,
    /// and `400 Bad Request` for an invalid percent-escape or a field that is not UTF-8.
    /// Body limits as `body(limit:)`.
    public func form(limit: Int? = nil) async throws -> FormData {
        guard mediaType == "application/x-www-form-urlencoded" else {
            throw HTTPError.unsupportedMediaType(expected: "application/x-www-form-urlencoded")
        }
        let bytes = try await body(limit: limit)
        do {
            return try FormData(parsing: bytes)
        } catch {
            logger.debug("refused a form body: \(error)", metadata: ["path": "\(path)"])
            throw HTTPError.badRequest("Invalid form encoding")
        }
    }

    /// The decoder `json(_:)` uses by default (Foundation's defaults, shared).
    public static let jsonDecoder = JSONDecoder()

    static let invalidJSON = HTTPError.badRequest("Invalid JSON")

    /// A decoding error with its coding path (`items[2].name`), for the log.
    static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return text.isEmpty ? "the top level" : text
        }
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .typeMismatch(let type, let context):
            return "expected \(type) at \(path(context.codingPath)): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "missing \(type) value at \(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing key \"\(key.stringValue)\" at \(path(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "invalid data at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
