/// One `name: value` line located inside a complete head or trailer section: byte ranges, not
/// copies. The value range excludes the surrounding whitespace (OWS).
struct FieldLine {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int

    var nameLength: Int { nameEnd - nameStart }

    /// Parses the field line at `index` of `section` and moves `index` past its CRLF; returns nil
    /// at the empty line that ends the section (moving past it too).
    ///
    /// `section` must be complete, as `SectionScanner` delivers it: it ends with CRLF and every LF
    /// in it is preceded by CR. The loops below rely on that CR as a sentinel: each stops at CR at
    /// the latest, so no index passes `section.count - 2` and `index + 1` after a CR is in bounds.
    @inline(__always)
    static func parse(
        _ section: UnsafeRawBufferPointer,
        at index: inout Int,
        leadingWhitespace: HTTPParserError.Kind
    ) throws(HTTPParserError) -> FieldLine? {
        var position = index
        let first = section[position]
        if first == ASCII.cr {
            guard section[position + 1] == ASCII.lf else { throw HTTPParserError(.bareCR) }
            index = position + 2
            return nil
        }
        if ASCII.isWhitespace(first) { throw HTTPParserError(leadingWhitespace) }

        let nameStart = position
        position = ASCII.firstNonToken(in: section, from: position)
        let nameEnd = position
        if section[position] != ASCII.colon {
            throw HTTPParserError(nameError(section, at: position, nameIsEmpty: nameEnd == nameStart))
        }
        guard nameEnd > nameStart else { throw HTTPParserError(.emptyHeaderName) }

        position += 1
        while ASCII.isWhitespace(section[position]) { position += 1 }
        let valueStart = position
        // Runs of VCHAR, SP and obs-text go eight bytes at a time; HTAB is the one control
        // character allowed, the line's CR the one expected.
        position = ASCII.firstControl(in: section, from: position)
        while section[position] == ASCII.htab {
            position = ASCII.firstControl(in: section, from: position + 1)
        }
        guard section[position] == ASCII.cr else { throw HTTPParserError(.invalidHeaderValue) }
        guard section[position + 1] == ASCII.lf else { throw HTTPParserError(.bareCR) }
        index = position + 2
        var valueEnd = position
        while valueEnd > valueStart, ASCII.isWhitespace(section[valueEnd - 1]) { valueEnd -= 1 }
        return FieldLine(nameStart: nameStart, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd)
    }

    /// Why a name stopped at `position` without reaching a colon.
    private static func nameError(_ section: UnsafeRawBufferPointer, at position: Int, nameIsEmpty: Bool) -> HTTPParserError.Kind {
        var position = position
        switch section[position] {
        case ASCII.space, ASCII.htab:
            while ASCII.isWhitespace(section[position]) { position += 1 }
            return section[position] == ASCII.colon ? .whitespaceBeforeColon : .invalidHeaderName
        case ASCII.cr:
            if section[position + 1] != ASCII.lf { return .bareCR }
            return nameIsEmpty ? .emptyHeaderName : .missingColon
        default:
            return .invalidHeaderName
        }
    }
}
