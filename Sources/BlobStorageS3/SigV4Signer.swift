import Crypto
import Foundation
import NIOCore

/// AWS Signature Version 4 for S3 (path-style URLs): the `Authorization` header of a request,
/// or the query of a presigned URL. Pure: the clock is the caller's, so the published examples
/// are its tests.
public struct SigV4Signer: Sendable {
    public var accessKeyID: String
    public var region: String
    public var service = "s3"
    private let secretAccessKey: String

    public init(accessKeyID: String, secretAccessKey: String, region: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
    }

    /// The SHA-256 of an empty body, which signs every GET, HEAD and DELETE.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256` and `Authorization`.
    /// `headers` are the request's other headers, all signed; `host` is signed always.
    public func sign(method: String, url: URL, headers: [(String, String)] = [], payloadHash: String, date: Date) -> [(
        String, String
    )] {
        let stamp = Stamp(date)
        let added = [("x-amz-content-sha256", payloadHash), ("x-amz-date", stamp.dateTime)]
        let signed = canonicalHeaders(url: url, headers: headers + added)
        let request = canonicalRequest(
            method: method, url: url, query: Self.queryItems(of: url), headers: signed, payloadHash: payloadHash)
        let signature = self.signature(of: request, stamp: stamp)
        let authorization =
            """
            AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope(stamp)), SignedHeaders=\(signed.names), \
            Signature=\(signature)
            """
        return added + [("Authorization", authorization)]
    }

    /// `url` with the query that lets anyone holding it make this request until `expires` after
    /// `date` (S3 allows at most 7 days). The payload is unsigned, as S3 requires of presigned URLs.
    public func presign(method: String = "GET", url: URL, expires: Duration, date: Date) -> URL {
        let stamp = Stamp(date)
        let seconds = min(max(Int(expires.components.seconds), 1), 7 * 24 * 3600)
        let signed = canonicalHeaders(url: url, headers: [])
        var query = Self.queryItems(of: url)
        query += [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(accessKeyID)/\(scope(stamp))"),
            ("X-Amz-Date", stamp.dateTime),
            ("X-Amz-Expires", String(seconds)),
            ("X-Amz-SignedHeaders", signed.names),
        ]
        let request = canonicalRequest(
            method: method, url: url, query: query, headers: signed, payloadHash: "UNSIGNED-PAYLOAD")
        query.append(("X-Amz-Signature", signature(of: request, stamp: stamp)))
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        components.percentEncodedQuery = Self.canonicalQuery(query)
        return components.url!
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` in paths),
    /// as SigV4 canonicalises them.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Hex SHA-256 of `data`, as `x-amz-content-sha256` carries it.
    public static func hash(_ data: some DataProtocol) -> String { SHA256.hash(data: data).hex }

    public static func hash(_ buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { SHA256.hash(data: $0).hex }
    }

    // MARK: - The canonical request

    private struct SignedHeaders {
        var lines: String
        var names: String
    }

    private func canonicalHeaders(url: URL, headers: [(String, String)]) -> SignedHeaders {
        var host = url.host ?? ""
        if let port = url.port, !((url.scheme == "http" && port == 80) || (url.scheme == "https" && port == 443)) {
            host += ":\(port)"
        }
        var all = [("host", host)] + headers.map { ($0.0.lowercased(), $0.1) }
        all.sort { $0.0 < $1.0 }
        // Canonical values: trimmed, and each run of spaces inside one space.
        let lines = all.map { name, value in
            let words = value.trimmingCharacters(in: .whitespaces).split(
                separator: " ", omittingEmptySubsequences: true)
            return "\(name):\(words.joined(separator: " "))\n"
        }.joined()
        return SignedHeaders(lines: lines, names: all.map(\.0).joined(separator: ";"))
    }

    private func canonicalRequest(
        method: String, url: URL, query: [(String, String)], headers: SignedHeaders, payloadHash: String
    ) -> String {
        // The path as sent: already percent-encoded segment by segment by whoever built the URL.
        let path = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? "/"
        return [
            method, path.isEmpty ? "/" : path, Self.canonicalQuery(query), headers.lines, headers.names, payloadHash,
        ].joined(separator: "\n")
    }

    private static func queryItems(of url: URL) -> [(String, String)] {
        (URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }
    }

    private static func canonicalQuery(_ items: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = items.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    // MARK: - Signing

    private func scope(_ stamp: Stamp) -> String { "\(stamp.date)/\(region)/\(service)/aws4_request" }

    private func signature(of canonicalRequest: String, stamp: Stamp) -> String {
        let toSign = ["AWS4-HMAC-SHA256", stamp.dateTime, scope(stamp), Self.hash(Data(canonicalRequest.utf8))].joined(
            separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [stamp.date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: key).hex
    }

    /// `20130524` and `20130524T000000Z`, in UTC, without a formatter.
    private struct Stamp {
        var date: String
        var dateTime: String
        init(_ instant: Date) {
            var seconds = time_t(instant.timeIntervalSince1970.rounded(.down))
            var parts = tm()
            gmtime_r(&seconds, &parts)
            date = String(format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
            dateTime = date + String(format: "T%02d%02d%02dZ", Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        }
    }
}

extension Sequence where Element == UInt8 {
    var hex: String {
        var out = ""
        for byte in self {
            out.unicodeScalars.append(hexDigits[Int(byte >> 4)])
            out.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
        }
        return out
    }
}

private let hexDigits = Array("0123456789abcdef".unicodeScalars)
