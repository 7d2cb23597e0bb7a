import Benchmark
import Foundation
import RingwayToolkit

// The toolkit's request parsers. As in Codecs: allocation counts are what CI checks
// (Thresholds/, counts per 1000 operations, scaling factor kilo), times are for people.
// Inputs are made when the benchmarks are registered, outside every measurement.

/// The seed's form: a repeated key and a few fields, with `+` and an escape.
let seedForm = Array("key=v1&key=v2&name=Ada+Lovelace&email=ada%40example.com&tag=a&tag=b&tag=c&empty=".utf8)
/// A query string as a search page sends it.
let searchQuery = Array("q=swift+concurrency&page=2&sort=stars".utf8)
/// A JSON body of the size an API sees: an object with nested arrays and objects.
let apiJSON = Array((#"{"id":42,"name":"Ada Lovelace","email":"ada@example.com","tags":["math","engine"],"#
    + #""address":{"city":"London","zip":"W1"},"active":true,"score":98.5,"notes":null}"#).utf8)
/// A cookie field as a browser sends it.
let cookieField = Array("session=0123456789abcdef; theme=dark; _ga=GA1.2.3456.7890".utf8)

/// The toolkit workload's response value (`GET /users/{id}`).
struct User: Encodable {
    let id: Int
    let name: String
}

/// A response record of ten fields of the common kinds.
struct Record10: Encodable {
    let id: Int
    let name: String
    let email: String
    let active: Bool
    let score: Double
    let age: Int
    let city: String
    let zip: String?
    let balance: Int64
    let notes: String?
}

let user = User(id: 42, name: "user 42")
let record10 = Record10(id: 42, name: "Ada Lovelace", email: "ada@example.com", active: true, score: 98.5, age: 36,
                        city: "London", zip: "W1", balance: 1_234_567, notes: nil)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 0], absolute: [.p90: 0])]
    )

    Benchmark("FormParse.seedForm8") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? FormData(parsing: seedForm)) }
    }
    Benchmark("QueryParse.search3") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(FormData(query: searchQuery)) }
    }
    Benchmark("JSONValueParse.api10") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? JSONValue(parsing: apiJSON)) }
    }
    let parsed = (try? JSONValue(parsing: apiJSON)) ?? .null
    Benchmark("JSONValueSerialize.api10Python") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(parsed.serialized(.python)) }
    }
    Benchmark("CookieParse.browser3") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Cookies(parsing: cookieField)) }
    }

    // Response encoding: the toolkit's OrderedJSONEncoder (what send.json uses), against
    // Foundation's JSONEncoder and a hand-written body (the workload's 15% target).
    let ordered = OrderedJSONEncoder()
    Benchmark("JSONEncode.user") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? ordered.encode(user)) }
    }
    Benchmark("JSONEncode.record10") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? ordered.encode(record10)) }
    }
    Benchmark("JSONEncode.user.handWritten", configuration: .init(thresholds: [:])) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Array("{\"id\":\(user.id),\"name\":\"\(user.name)\"}".utf8))
        }
    }
    let foundation = JSONEncoder()
    Benchmark("JSONEncode.user.foundation", configuration: .init(thresholds: [:])) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? Array(foundation.encode(user))) }
    }
    Benchmark("JSONEncode.record10.foundation", configuration: .init(thresholds: [:])) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? Array(foundation.encode(record10))) }
    }
}
