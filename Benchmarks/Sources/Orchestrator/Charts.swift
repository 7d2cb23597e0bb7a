import Foundation

/// Hand-written SVG charts: throughput bars and latency-percentile curves, one pair per workload.
enum Charts {
    private static let font = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""

    /// A fixed color per contender, so every chart agrees.
    static func color(of contender: String) -> String {
        switch contender {
        case "ringway-io_uring": "#d62728"
        case "ringway-epoll": "#ff7f0e"
        case "ringway-dispatch": "#e7ba52"
        case "nio": "#1f77b4"
        case "hummingbird": "#9467bd"
        case "nginx": "#2ca02c"
        case "uvicorn": "#8c564b"
        case "granian": "#7f7f7f"
        case "sse-starlette-uvicorn": "#e377c2"
        case "sse-starlette-granian": "#17becf"
        default: "#bcbd22"
        }
    }

    // MARK: Throughput

    /// Horizontal bars, one per contender with a result, each labeled with its value.
    static func throughput(_ summary: Summary) -> String {
        let bars = summary.rows.compactMap { row in row.median?.load.map { (row.contender, $0.throughput) } }
        let width = 760.0
        let left = 150.0
        let right = 40.0
        let top = 56.0
        let barHeight = 26.0
        let gap = 12.0
        let plotWidth = width - left - right
        let plotHeight = Double(max(bars.count, 1)) * (barHeight + gap) - gap
        let height = top + plotHeight + 46
        let maximum = bars.map(\.1).max() ?? 0
        let ticks = niceTicks(upTo: maximum * 1.2)
        let scale = plotWidth / (ticks.last ?? 1)

        var svg = header(width: width, height: height)
        svg += text(x: 16, y: 24, "\(summary.workload): throughput (\(summary.unit), median round)", size: 16, weight: "bold")
        if let description = Workload.named(summary.workload)?.summary {
            svg += text(x: 16, y: 42, description, size: 12, color: "#555555")
        }
        for tick in ticks {
            let x = left + tick * scale
            svg += line(x1: x, y1: top - 4, x2: x, y2: top + plotHeight, color: "#e3e3e3")
            svg += text(x: x, y: top + plotHeight + 18, Format.compact(tick), size: 11, anchor: "middle", color: "#555555")
        }
        svg += text(x: left + plotWidth / 2, y: top + plotHeight + 38, summary.unit, size: 12, anchor: "middle", color: "#333333")
        for (index, bar) in bars.enumerated() {
            let y = top + Double(index) * (barHeight + gap)
            let length = max(bar.1 * scale, 1)
            svg += text(x: left - 10, y: y + barHeight / 2 + 4, bar.0, size: 13, anchor: "end")
            svg += "<rect x=\"\(f(left))\" y=\"\(f(y))\" width=\"\(f(length))\" height=\"\(f(barHeight))\" fill=\"\(color(of: bar.0))\" rx=\"2\"/>\n"
            let label = Format.count(bar.1)
            let estimate = Double(label.count) * 7.5 + 12
            if length > estimate + 8 {
                let ink = isLight(color(of: bar.0)) ? "#222222" : "#ffffff"
                svg += text(x: left + length - 8, y: y + barHeight / 2 + 4, label, size: 12, anchor: "end", color: ink, weight: "bold")
            } else {
                svg += text(x: left + length + 6, y: y + barHeight / 2 + 4, label, size: 12, weight: "bold")
            }
        }
        svg += line(x1: left, y1: top - 4, x2: left, y2: top + plotHeight, color: "#333333")
        return svg + "</svg>\n"
    }

    // MARK: Latency

    /// Latency against percentile, x logarithmic in `1 / (1 - p)`: 0%, 90%, 99%, 99.9%, …
    static func latency(_ summary: Summary) -> String {
        let curves = summary.rows.compactMap { row -> (String, [(Double, Double)])? in
            guard let load = row.median?.load else { return nil }
            let points = load.percentileCurve.compactMap { pair -> (Double, Double)? in
                guard pair.count == 2, pair[0] < 100 else { return nil }
                return (-log10(1 - pair[0] / 100), pair[1])
            }
            return points.isEmpty ? nil : (row.contender, points)
        }
        let width = 760.0
        let height = 440.0
        let left = 78.0
        let right = 180.0
        let top = 56.0
        let bottom = 56.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let xMaximum = max(1, min(5, (curves.flatMap { $0.1.map(\.0) }.max() ?? 1).rounded(.up)))
        let yTicks = niceTicks(upTo: (curves.flatMap { $0.1.map(\.1) }.max() ?? 1) * 1.05)
        let yMaximum = yTicks.last ?? 1
        func px(_ x: Double) -> Double { left + min(x, xMaximum) / xMaximum * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - y / yMaximum * plotHeight }

        var svg = header(width: width, height: height)
        svg += text(x: 16, y: 24, "\(summary.workload): latency by percentile (median round)", size: 16, weight: "bold")
        if let description = Workload.named(summary.workload)?.summary {
            svg += text(x: 16, y: 42, description, size: 12, color: "#555555")
        }
        for tick in yTicks {
            svg += line(x1: left, y1: py(tick), x2: left + plotWidth, y2: py(tick), color: "#e3e3e3")
            svg += text(x: left - 8, y: py(tick) + 4, Format.latencyTick(tick), size: 11, anchor: "end", color: "#555555")
        }
        let percentileLabels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]
        for decade in 0...Int(xMaximum) {
            let x = px(Double(decade))
            svg += line(x1: x, y1: top, x2: x, y2: top + plotHeight, color: "#e3e3e3")
            svg += text(x: x, y: top + plotHeight + 18, percentileLabels[decade], size: 11, anchor: "middle", color: "#555555")
        }
        svg += text(x: left + plotWidth / 2, y: height - 14, "percentile", size: 12, anchor: "middle", color: "#333333")
        svg += "<text x=\"18\" y=\"\(f(top + plotHeight / 2))\" \(font) font-size=\"12\" fill=\"#333333\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(top + plotHeight / 2)))\">latency</text>\n"
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333333\"/>\n"
        for (name, points) in curves {
            let coordinates = points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            svg += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color(of: name))\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>\n"
        }
        for (index, curve) in curves.enumerated() {
            let y = top + 12 + Double(index) * 22
            let x = left + plotWidth + 18
            svg += line(x1: x, y1: y, x2: x + 24, y2: y, color: color(of: curve.0), width: 3)
            svg += text(x: x + 32, y: y + 4, curve.0, size: 12)
        }
        return svg + "</svg>\n"
    }

    // MARK: Helpers

    /// Evenly spaced round tick values from 0 up to at least `maximum` (about five steps).
    static func niceTicks(upTo maximum: Double) -> [Double] {
        guard maximum > 0, maximum.isFinite else { return [0, 1] }
        let rough = maximum / 5
        let power = pow(10, floor(log10(rough)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        let count = Int((maximum / step).rounded(.up))
        return (0...count).map { Double($0) * step }
    }

    /// Whether `#rrggbb` is light enough to need dark text on it.
    private static func isLight(_ hex: String) -> Bool {
        guard hex.count == 7, let value = Int(hex.dropFirst(), radix: 16) else { return false }
        let (red, green, blue) = (Double(value >> 16), Double((value >> 8) & 0xFF), Double(value & 0xFF))
        return 0.299 * red + 0.587 * green + 0.114 * blue > 170
    }

    private static func header(width: Double, height: Double) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))">
        <rect width="100%" height="100%" fill="#ffffff"/>

        """
    }

    private static func text(
        x: Double, y: Double, _ content: String, size: Int, anchor: String = "start", color: String = "#222222",
        weight: String = "normal"
    ) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" \(font) font-size=\"\(size)\" font-weight=\"\(weight)\" fill=\"\(color)\" text-anchor=\"\(anchor)\">\(escape(content))</text>\n"
    }

    private static func line(x1: Double, y1: Double, x2: Double, y2: Double, color: String, width: Double = 1) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\" stroke-width=\"\(f(width))\"/>\n"
    }

    /// A coordinate with at most one decimal.
    private static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
