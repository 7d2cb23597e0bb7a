/// A JSON value with ordered object members: the shape of the seed guide's `form_data`.
///
/// `MultipartForm.formData()` builds it; `jsonBytes` serialises it (members in order,
/// strings escaped per RFC 8259), so the demo can embed it in its response.
public indirect enum FormDataValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case null
    case array([FormDataValue])
    case object([Member])

    /// One member of an object.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: FormDataValue
        public init(_ key: String, _ value: FormDataValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value as compact JSON text, UTF-8.
    public var jsonBytes: [UInt8] {
        var output: [UInt8] = []
        write(into: &output)
        return output
    }

    private func write(into output: inout [UInt8]) {
        switch self {
        case .string(let text): Self.writeString(text, into: &output)
        case .int(let number): output.append(contentsOf: String(number).utf8)
        case .null: output.append(contentsOf: "null".utf8)
        case .array(let elements):
            output.append(0x5B)
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(contentsOf: ", ".utf8) }
                element.write(into: &output)
            }
            output.append(0x5D)
        case .object(let members):
            output.append(0x7B)
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(contentsOf: ", ".utf8) }
                Self.writeString(member.key, into: &output)
                output.append(contentsOf: ": ".utf8)
                member.value.write(into: &output)
            }
            output.append(0x7D)
        }
    }

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: #"\""#.utf8)
            case 0x5C: output.append(contentsOf: #"\\"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(0x22)
    }
}

extension MultipartForm {
    /// The seed guide's `form_data` for this form: one member per field name, in first-seen
    /// order. Fields give an array of their values (`{"key": ["v1", "v2"]}`, as `parse_qs`);
    /// a name carrying one file and nothing else gives the file's
    /// `{"filename", "content_type", "size"}` (`content_type` null when the part had none);
    /// a name carrying files and more gives an array of those values in body order.
    public func formData() -> [FormDataValue.Member] {
        var names: [String] = []
        var values: [String: [FormDataValue]] = [:]
        var hasFile: Set<String> = []
        for entry in entries {
            let name = entry.name
            if values[name] == nil { names.append(name) }
            switch entry {
            case .field(let field):
                values[name, default: []].append(.string(field.value))
            case .file(let file):
                hasFile.insert(name)
                values[name, default: []].append(.object([
                    .init("filename", .string(file.filename)),
                    .init("content_type", file.contentType.map(FormDataValue.string) ?? .null),
                    .init("size", .int(file.size)),
                ]))
            }
        }
        return names.map { name in
            let list = values[name] ?? []
            if hasFile.contains(name), list.count == 1 { return .init(name, list[0]) }
            return .init(name, .array(list))
        }
    }
}
