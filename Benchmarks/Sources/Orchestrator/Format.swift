import Foundation

/// Number formatting shared by the report, the charts and the terminal table.
enum Format {
    /// `1234567.8` → `1,234,568`.
    static func count(_ value: Double) -> String {
        let digits = String(Int(value.rounded()).magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// Microseconds with a readable unit: `85 µs`, `1.25 ms`, `2.1 s`.
    static func latency(_ micros: Double) -> String {
        switch micros {
        case ..<1_000: String(format: "%.0f µs", micros)
        case ..<10_000: String(format: "%.2f ms", micros / 1_000)
        case ..<1_000_000: String(format: "%.1f ms", micros / 1_000)
        default: String(format: "%.2f s", micros / 1_000_000)
        }
    }

    /// An axis label for microseconds, without needless decimals: `0`, `250 µs`, `2.5 ms`, `10 ms`.
    static func latencyTick(_ micros: Double) -> String {
        func trimmed(_ number: Double) -> String {
            let text = String(format: "%.2f", number)
            return text.contains(".") ? String(text.reversed().drop { $0 == "0" }.drop { $0 == "." }.reversed()) : text
        }
        switch micros {
        case 0: return "0"
        case ..<1_000: return trimmed(micros) + " µs"
        case ..<1_000_000: return trimmed(micros / 1_000) + " ms"
        default: return trimmed(micros / 1_000_000) + " s"
        }
    }

    /// Bytes with a binary unit: `512 B`, `3.4 KiB`, `12.5 MiB`.
    static func bytes(_ value: Double) -> String {
        let magnitude = abs(value)
        switch magnitude {
        case ..<1024: return String(format: "%.0f B", value)
        case ..<(1024 * 1024): return String(format: "%.1f KiB", value / 1024)
        case ..<(1024 * 1024 * 1024): return String(format: "%.1f MiB", value / 1_048_576)
        default: return String(format: "%.2f GiB", value / 1_073_741_824)
        }
    }

    /// A throughput ratio: `1.23×`.
    static func ratio(_ value: Double) -> String {
        String(format: "%.2f×", value)
    }

    /// A compact axis label: `250k`, `1.5M`, `800`.
    static func compact(_ value: Double) -> String {
        func trimmed(_ number: Double) -> String {
            number == number.rounded() ? String(Int(number)) : String(format: "%.1f", number)
        }
        switch abs(value) {
        case ..<1_000: return trimmed(value)
        case ..<1_000_000: return trimmed(value / 1_000) + "k"
        default: return trimmed(value / 1_000_000) + "M"
        }
    }
}
