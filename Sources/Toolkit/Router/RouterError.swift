/// Everything wrong with a router's registrations, thrown by `Router.build()`.
///
/// Every problem names the route and the `file:line` that registered it, e.g.
/// `Routes.swift:14: GET /users/{uid} conflicts with GET /users/{id} (Routes.swift:9): both match the same paths`.
public struct RouterError: Error, CustomStringConvertible, Sendable {
    /// One registration problem.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        // Private so that kinds of problem can be added without breaking users.
        enum Kind: Sendable, Equatable {
            case malformed(PatternProblem)
            case badMethod
            case tooManyMethods
            case mountNotStatic
            case conflict(with: String, at: String)
            case mountConflict(with: String, at: String)
        }

        let kind: Kind
        /// `METHOD pattern` (or `WS pattern`, `MOUNT prefix`).
        let route: String
        let location: String

        public var description: String {
            switch kind {
            case .malformed(let problem): "\(location): \(route): \(problem)"
            case .badMethod: "\(location): \(route): the method is not an HTTP token"
            case .tooManyMethods: "\(location): \(route): more than 56 methods besides the standard seven"
            case .mountNotStatic: "\(location): \(route): a mount prefix is static (use a group for parameters)"
            case .conflict(let other, let at): "\(location): \(route) conflicts with \(other) (\(at)): both match the same paths"
            case .mountConflict(let other, let at): "\(location): \(route) conflicts with \(other) (\(at)): both take every path under the prefix"
            }
        }
    }

    /// The problems in registration order.
    public let problems: [Problem]

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
