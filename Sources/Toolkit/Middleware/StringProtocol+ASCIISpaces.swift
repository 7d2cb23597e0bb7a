extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace around list
    /// elements and field values).
    func trimmingASCIISpaces() -> Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
