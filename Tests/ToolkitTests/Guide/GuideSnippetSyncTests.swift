import Foundation
import Testing

/// The README's "From the ASGI guide to Ringway" snippets are copies of code in this folder
/// that compiles and runs in the suite: each README block marked `<!-- guide-snippet: NAME -->`
/// must equal the lines between `// guide-snippet: NAME` and `// end guide-snippet` in
/// `GuideSnippets.swift` (indentation aside), so the README cannot drift from code that works.
@Suite("README guide snippets are the tested code")
struct GuideSnippetSyncTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `NAME → lines` from marked README code blocks.
    static func readmeSnippets() throws -> [String: [String]] {
        let lines = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var snippets: [String: [String]] = [:]
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard let name = marker(lines[index], prefix: "<!-- guide-snippet:", suffix: "-->") else { continue }
            guard index + 1 < lines.count, lines[index + 1].hasPrefix("```swift") else { continue }
            var body: [String] = []
            var line = index + 2
            while line < lines.count, !lines[line].hasPrefix("```") { body.append(lines[line]); line += 1 }
            snippets[name] = body
            index = line
        }
        return snippets
    }

    /// `NAME → lines` from the marked regions of the Swift sources next to this file.
    static func sourceSnippets() throws -> [String: [String]] {
        var snippets: [String: [String]] = [:]
        let folder = root.appendingPathComponent("Tests/ToolkitTests/Guide")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".swift") {
            let lines = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var current: (name: String, body: [String])?
            for line in lines {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if let name = marker(trimmed, prefix: "// guide-snippet:", suffix: "") {
                    current = (name, [])
                } else if trimmed == "// end guide-snippet", let done = current {
                    snippets[done.name] = done.body
                    current = nil
                } else {
                    current?.body.append(line)
                }
            }
        }
        return snippets
    }

    static func marker(_ line: String, prefix: String, suffix: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix(prefix), trimmed.hasSuffix(suffix) else { return nil }
        return trimmed.dropFirst(prefix.count).dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
    }

    /// Lines without their common indentation and without blank lines at either end.
    static func normalized(_ lines: [String]) -> [String] {
        var lines = lines
        while lines.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeFirst() }
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        let indent = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
        return lines.map { $0.trimmingCharacters(in: .whitespaces).isEmpty ? "" : String($0.dropFirst(indent)) }
    }

    @Test("every README guide snippet equals a tested region, and every region is in the README")
    func snippetsMatch() throws {
        let readme = try Self.readmeSnippets()
        let sources = try Self.sourceSnippets()
        #expect(!readme.isEmpty, "no <!-- guide-snippet: NAME --> blocks found in README.md")
        #expect(Set(readme.keys) == Set(sources.keys), "README snippets \(readme.keys.sorted()) vs tested regions \(sources.keys.sorted())")
        for (name, lines) in readme {
            guard let source = sources[name] else { continue }
            #expect(Self.normalized(lines) == Self.normalized(source), "README snippet \(name) differs from GuideSnippets.swift")
        }
    }
}
