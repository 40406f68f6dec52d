import Foundation

/// The `; name=value` parameters after a header's first value (RFC 9110 §5.6.6), names in lower
/// case: a quoted value may hold `;`, `=` and `\"`-escaped quotes.
enum HeaderParameters {
    static func parse(_ header: some StringProtocol) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var scalars = Substring(header).unicodeScalars[...]
        // Past the first value (`form-data`, `multipart/form-data`).
        guard let first = scalars.firstIndex(of: ";") else { return [] }
        scalars = scalars[scalars.index(after: first)...]
        while !scalars.isEmpty {
            var name = ""
            while let c = scalars.first, c != "=", c != ";" {
                name.unicodeScalars.append(c)
                scalars.removeFirst()
            }
            guard scalars.first == "=" else {
                if !scalars.isEmpty { scalars.removeFirst() }
                continue
            }
            scalars.removeFirst()
            while scalars.first == " " { scalars.removeFirst() }
            var value = ""
            if scalars.first == "\"" {
                scalars.removeFirst()
                while let c = scalars.first, c != "\"" {
                    scalars.removeFirst()
                    if c == "\\", let escaped = scalars.first {
                        value.unicodeScalars.append(escaped)
                        scalars.removeFirst()
                    } else {
                        value.unicodeScalars.append(c)
                    }
                }
                if !scalars.isEmpty { scalars.removeFirst() }
                while let c = scalars.first, c != ";" {
                    _ = c
                    scalars.removeFirst()
                }
            } else {
                while let c = scalars.first, c != ";" {
                    value.unicodeScalars.append(c)
                    scalars.removeFirst()
                }
                value = value.trimmingCharacters(in: .whitespaces)
            }
            if !scalars.isEmpty { scalars.removeFirst() }
            result.append((name.trimmingCharacters(in: .whitespaces).lowercased(), value))
        }
        return result
    }
}
