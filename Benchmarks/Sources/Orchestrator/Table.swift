/// A table of strings, rendered as Markdown for the report or as aligned plain text for the terminal.
struct Table {
    let headers: [String]
    var rows: [[String]] = []
    /// Left-aligned columns (names, notes); the others hold numbers and are right-aligned.
    var leftAligned: Set<Int> = [0]

    /// GitHub-flavoured Markdown.
    var markdown: String {
        let separator = headers.indices.map { leftAligned.contains($0) ? "---" : "---:" }
        return ([headers, separator] + rows)
            .map { "| " + $0.joined(separator: " | ") + " |" }
            .joined(separator: "\n")
    }

    /// Space-padded columns.
    var plain: String {
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return leftAligned.contains(column) ? cell + padding : padding + cell
            }.joined(separator: "  ").trimmingSuffix()
        }.joined(separator: "\n")
    }
}

extension String {
    /// Without trailing spaces.
    fileprivate func trimmingSuffix() -> String {
        String(reversed().drop { $0 == " " }.reversed())
    }
}
