/// The runs of one workload reduced to one representative run per contender: its median-throughput round.
struct Summary {
    /// One contender's line.
    struct Row {
        let contender: String
        /// The round with the median throughput among the successful ones (lower median for an even count).
        let median: RunRecord?
        let succeeded: Int
        let attempted: Int
    }

    let workload: String
    let mode: Workload.Mode
    /// `req/s`, `msg/s` or `events/s`.
    let unit: String
    /// Rows in contender order.
    let rows: [Row]

    /// The median row's throughput of `contender`, if it has one.
    func throughput(of contender: String) -> Double? {
        rows.first { $0.contender == contender }?.median?.load?.throughput
    }

    /// One summary per workload that has runs, in the standard workload order (unknown names last).
    static func make(from runs: [RunRecord]) -> [Summary] {
        let workloadNames = ordered(runs.map(\.workload), by: Workload.all.map(\.name))
        let contenderNames = ordered(runs.map(\.contender), by: Contender.all.map(\.name))
        return workloadNames.map { workload in
            let mine = runs.filter { $0.workload == workload }
            let rows = contenderNames.compactMap { contender -> Row? in
                let attempts = mine.filter { $0.contender == contender }
                guard !attempts.isEmpty else { return nil }
                let good = attempts.filter(\.succeeded).sorted { $0.load!.throughput < $1.load!.throughput }
                let median = good.isEmpty ? nil : good[(good.count - 1) / 2]
                return Row(contender: contender, median: median, succeeded: good.count, attempted: attempts.count)
            }
            let mode = Workload.named(workload)?.mode ?? mine.first?.load.flatMap { Workload.Mode(rawValue: $0.mode) } ?? .http
            return Summary(workload: workload, mode: mode, unit: Workload.unit(of: mode), rows: rows)
        }
    }

    /// Distinct `names`, those in `order` first in that order, the rest in order of appearance.
    private static func ordered(_ names: [String], by order: [String]) -> [String] {
        var seen = Set<String>()
        let distinct = names.filter { seen.insert($0).inserted }
        return order.filter(distinct.contains) + distinct.filter { !order.contains($0) }
    }
}
