import RingwayToolkit

/// The route sets the router is measured on. Tables are built once, when the benchmarks
/// are registered, outside every measurement.
enum RouteSets {
    /// A handler that does nothing: dispatch benchmarks measure the router alone.
    static let noop = App { _, _, _ in }

    /// The demo routes.
    static let seed10: [(method: String, pattern: String)] = [
        ("GET", "/"), ("GET", "/home"), ("GET", "/api"), ("POST", "/api/echo"), ("POST", "/form"),
        ("GET", "/users/{id:int}"), ("GET", "/debug/scope"), ("GET", "/static/{path...}"), ("WS", "/ws"), ("WS", "/chat/{room}"),
    ]

    /// The GitHub v3 API route set matchit and other routers are compared on (its
    /// `benches/bench.rs`, bracket form), with its quirks (`/orgs/{p1}/members{p2}`).
    static let github130: [String] = [
        "/authorizations", "/authorizations/{p1}", "/applications/{p1}/tokens/{p2}", "/events",
        "/repos/{p1}/{p2}/events", "/networks/{p1}/{p2}/events", "/orgs/{p1}/events", "/users/{p1}/received_events",
        "/users/{p1}/received_events/public", "/users/{p1}/events", "/users/{p1}/events/public", "/users/{p1}/events/orgs/{p2}",
        "/feeds", "/notifications", "/repos/{p1}/{p2}/notifications", "/notifications/threads/{p1}",
        "/notifications/threads/{p1}/subscription", "/repos/{p1}/{p2}/stargazers", "/users/{p1}/starred", "/user/starred",
        "/user/starred/{p1}/{p2}", "/repos/{p1}/{p2}/subscribers", "/users/{p1}/subscriptions", "/user/subscriptions",
        "/repos/{p1}/{p2}/subscription", "/user/subscriptions/{p1}/{p2}", "/users/{p1}/gists", "/gists", "/gists/{p1}",
        "/gists/{p1}/star", "/repos/{p1}/{p2}/git/blobs/{p3}", "/repos/{p1}/{p2}/git/commits/{p3}", "/repos/{p1}/{p2}/git/refs",
        "/repos/{p1}/{p2}/git/tags/{p3}", "/repos/{p1}/{p2}/git/trees/{p3}", "/issues", "/user/issues", "/orgs/{p1}/issues",
        "/repos/{p1}/{p2}/issues", "/repos/{p1}/{p2}/issues/{p3}", "/repos/{p1}/{p2}/assignees", "/repos/{p1}/{p2}/assignees/{p3}",
        "/repos/{p1}/{p2}/issues/{p3}/comments", "/repos/{p1}/{p2}/issues/{p3}/events", "/repos/{p1}/{p2}/labels",
        "/repos/{p1}/{p2}/labels/{p3}", "/repos/{p1}/{p2}/issues/{p3}/labels", "/repos/{p1}/{p2}/milestones/{p3}/labels",
        "/repos/{p1}/{p2}/milestones/", "/repos/{p1}/{p2}/milestones/{p3}", "/emojis", "/gitignore/templates",
        "/gitignore/templates/{p1}", "/meta", "/rate_limit", "/users/{p1}/orgs", "/user/orgs", "/orgs/{p1}", "/orgs/{p1}/members",
        "/orgs/{p1}/members{p2}", "/orgs/{p1}/public_members", "/orgs/{p1}/public_members/{p2}", "/orgs/{p1}/teams", "/teams/{p1}",
        "/teams/{p1}/members", "/teams/{p1}/members{p2}", "/teams/{p1}/repos", "/teams/{p1}/repos/{p2}/{p3}", "/user/teams",
        "/repos/{p1}/{p2}/pulls", "/repos/{p1}/{p2}/pulls/{p3}", "/repos/{p1}/{p2}/pulls/{p3}/commits",
        "/repos/{p1}/{p2}/pulls/{p3}/files", "/repos/{p1}/{p2}/pulls/{p3}/merge", "/repos/{p1}/{p2}/pulls/{p3}/comments",
        "/user/repos", "/users/{p1}/repos", "/orgs/{p1}/repos", "/repositories", "/repos/{p1}/{p2}", "/repos/{p1}/{p2}/contributors",
        "/repos/{p1}/{p2}/languages", "/repos/{p1}/{p2}/teams", "/repos/{p1}/{p2}/tags", "/repos/{p1}/{p2}/branches",
        "/repos/{p1}/{p2}/branches/{p3}", "/repos/{p1}/{p2}/collaborators", "/repos/{p1}/{p2}/collaborators/{p3}",
        "/repos/{p1}/{p2}/comments", "/repos/{p1}/{p2}/commits/{p3}/comments", "/repos/{p1}/{p2}/commits",
        "/repos/{p1}/{p2}/commits/{p3}", "/repos/{p1}/{p2}/readme", "/repos/{p1}/{p2}/keys", "/repos/{p1}/{p2}/keys{p3}",
        "/repos/{p1}/{p2}/downloads", "/repos/{p1}/{p2}/downloads{p3}", "/repos/{p1}/{p2}/forks", "/repos/{p1}/{p2}/hooks",
        "/repos/{p1}/{p2}/hooks{p3}", "/repos/{p1}/{p2}/releases", "/repos/{p1}/{p2}/releases/{p3}",
        "/repos/{p1}/{p2}/releases/{p3}/assets", "/repos/{p1}/{p2}/stats/contributors", "/repos/{p1}/{p2}/stats/commit_activity",
        "/repos/{p1}/{p2}/stats/code_frequency", "/repos/{p1}/{p2}/stats/participation", "/repos/{p1}/{p2}/stats/punch_card",
        "/repos/{p1}/{p2}/statuses/{p3}", "/search/repositories", "/search/code", "/search/issues", "/search/users",
        "/legacy/issues/search/{p1}/{p2}/{p3}/{p4}", "/legacy/repos/search/{p1}", "/legacy/user/search/{p1}",
        "/legacy/user/email/{p1}", "/users/{p1}", "/user", "/users", "/user/emails", "/users/{p1}/followers", "/user/followers",
        "/users/{p1}/following", "/user/following", "/user/following/{p1}", "/users/{p1}/following{p2}", "/users/{p1}/keys",
        "/user/keys", "/user/keys/{p1}",
    ]

    /// matchit's four lookup paths.
    static let githubFour = [
        "/user/repos", "/repos/rust-lang/rust/stargazers", "/orgs/rust-lang/public_members/nikomatsakis",
        "/repos/rust-lang/rust/releases/1.51.0",
    ]

    /// One path per GitHub route, its parameters filled in.
    static let githubPaths: [String] = github130.map { pattern in
        var path = ""
        var inParameter = false
        for character in pattern {
            if character == "{" {
                inParameter = true
                path += "x1"
            } else if character == "}" {
                inParameter = false
            } else if !inParameter {
                path.append(character)
            }
        }
        return path
    }

    /// GitHub's 130 plus 50 static, 15 typed and 5 catch-all routes (and `/teams/me/profile`,
    /// so that `/teams/me/repos` backtracks from the literal to `{p1}`).
    static let api200: [(method: String, pattern: String)] =
        github130.map { ("GET", $0) }
        + (0..<49).map { ("GET", "/pages/section\($0)/index") } + [("GET", "/teams/me/profile")]
        + (0..<15).map { ("GET", "/typed\($0)/{id:int}") }
        + (0..<5).map { ("GET", "/assets\($0)/{path...}") }

    static func build(_ routes: [(method: String, pattern: String)]) -> RouterApplication {
        let router = Router()
        for (method, pattern) in routes {
            if method == "WS" { router.websocket(pattern, noop) } else { router.on(HTTPMethod(rawValue: method), pattern, noop) }
        }
        do {
            return try router.build()
        } catch {
            fatalError("\(error)")
        }
    }
}
