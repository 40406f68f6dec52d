import Foundation

/// What an S3-compatible store answered that ClipGen cannot work around. The message names the
/// store's error code and what to check, never a key or a secret.
public enum S3Error: Error, Equatable, CustomStringConvertible {
    /// 401/403: the credentials or the signature were refused.
    case refused(code: String)
    /// Any other answer ClipGen did not expect.
    case unexpected(status: Int, code: String)

    public var description: String {
        switch self {
        case .refused(let code):
            """
            the S3 store refused ClipGen's credentials (\(code)): check CLIPGEN_S3_ACCESS_KEY_ID, \
            CLIPGEN_S3_SECRET_ACCESS_KEY and CLIPGEN_S3_REGION
            """
        case .unexpected(let status, let code):
            "the S3 store answered \(status)\(code.isEmpty ? "" : " (\(code))")"
        }
    }
}

/// The text of the first `<name>…</name>` element in an S3 XML answer; S3's answers are flat
/// enough that this is all ClipGen reads of them.
func xmlElement(_ name: String, in xml: String) -> String? {
    xmlElements(name, in: xml, limit: 1).first
}

/// The texts of every `<name>…</name>` element, in order.
func xmlElements(_ name: String, in xml: String, limit: Int = .max) -> [String] {
    var found: [String] = []
    var rest = xml.startIndex..<xml.endIndex
    while found.count < limit, let open = xml.range(of: "<\(name)>", range: rest),
        let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
    {
        found.append(unescaped(String(xml[open.upperBound..<close.lowerBound])))
        rest = close.upperBound..<xml.endIndex
    }
    return found
}

private func unescaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
        .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
}

func xmlEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
        of: ">", with: "&gt;"
    )
    .replacingOccurrences(of: "\"", with: "&quot;")
}
