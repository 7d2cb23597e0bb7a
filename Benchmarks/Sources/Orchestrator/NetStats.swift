import Foundation

/// Machine-wide network counters that explain latency outliers: loopback packets dropped by a full per-CPU
/// backlog (`/proc/net/softnet_stat`) and TCP segments retransmitted (`/proc/net/snmp`).
struct NetStats: Codable, Sendable {
    var softnetDrops: Int
    var tcpRetransmits: Int

    /// The counters now.
    static func current() -> NetStats {
        NetStats(softnetDrops: softnetDrops(), tcpRetransmits: tcpRetransmits())
    }

    /// Counter increases since `earlier`.
    func since(_ earlier: NetStats) -> NetStats {
        NetStats(softnetDrops: softnetDrops - earlier.softnetDrops, tcpRetransmits: tcpRetransmits - earlier.tcpRetransmits)
    }

    /// Whether anything was dropped or retransmitted.
    var isClean: Bool { softnetDrops == 0 && tcpRetransmits == 0 }

    private static func softnetDrops() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/net/softnet_stat", encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").reduce(0) { total, line in
            let columns = line.split(separator: " ")
            return total + (columns.count > 1 ? Int(columns[1], radix: 16) ?? 0 : 0)
        }
    }

    private static func tcpRetransmits() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/net/snmp", encoding: .utf8) else { return 0 }
        let tcp = text.split(separator: "\n").filter { $0.hasPrefix("Tcp:") }.map { $0.split(separator: " ") }
        guard tcp.count >= 2, let column = tcp[0].firstIndex(of: "RetransSegs"), column < tcp[1].count else { return 0 }
        return Int(tcp[1][column]) ?? 0
    }
}
