extension MultipartForm {
    /// The seed guide's `form_data` for this form: one member per field name, in first-seen
    /// order. Fields give an array of their values (`{"key": ["v1", "v2"]}`, as `parse_qs`);
    /// a name carrying one file and nothing else gives the file's
    /// `{"filename", "content_type", "size"}` (`content_type` null when the part had none);
    /// a name carrying files and more gives an array of those values in body order.
    ///
    /// ```swift
    /// let form = try await MultipartForm.read(scope, receive)
    /// try await send.json(["form_data": .object(form.formData()), "method": "POST"], style: .python)
    /// ```
    public func formData() -> JSONObject {
        var names: [String] = []
        var values: [String: [JSONValue]] = [:]
        var hasFile: Set<String> = []
        for entry in entries {
            let name = entry.name
            if values[name] == nil { names.append(name) }
            switch entry {
            case .field(let field):
                values[name, default: []].append(.string(field.value))
            case .file(let file):
                hasFile.insert(name)
                values[name, default: []].append([
                    "filename": .string(file.filename),
                    "content_type": file.contentType.map(JSONValue.string) ?? .null,
                    "size": .number(JSONNumber(file.size)),
                ])
            }
        }
        // `names` holds each name once, so the members need no duplicate check.
        return JSONObject(unique: names.map { name in
            let list = values[name] ?? []
            if hasFile.contains(name), list.count == 1 { return (key: name, value: list[0]) }
            return (key: name, value: .array(list))
        })
    }
}
