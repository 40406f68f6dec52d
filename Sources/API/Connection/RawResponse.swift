import Foundation
import HTTPTypes
import NIOCore

/// A whole HTTP/1.1 answer as bytes, for the places before or beside the HTTP codec (a refused
/// connection, a refused WebSocket upgrade): a problem+json body, `Connection: close`.
enum RawResponse {
    static func problem(
        status: HTTPResponse.Status, detail: String, headers: [(String, String)] = [], requestId: String? = nil
    ) -> ByteBuffer {
        let json = problemBody(status: status, detail: detail, requestId: requestId)
        var head = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        let fields =
            [
                ("Content-Type", "application/problem+json"), ("Content-Length", String(json.readableBytes)),
                ("Connection", "close"),
                ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
            ]
            + headers + (requestId.map { [("X-Request-Id", $0)] } ?? [])
        for (name, value) in fields where Self.isSafe(name) && Self.isSafe(value) { head += "\(name): \(value)\r\n" }
        var buffer = ByteBuffer(string: head + "\r\n")
        buffer.writeImmutableBuffer(json)
        return buffer
    }

    /// The RFC 9457 body alone.
    static func problemBody(status: HTTPResponse.Status, detail: String, requestId: String? = nil) -> ByteBuffer {
        struct Body: Encodable {
            var type = "about:blank"
            var title: String
            var status: Int
            var detail: String
            var requestId: String?
        }
        let json =
            (try? JSONEncoder().encode(
                Body(title: status.reasonPhrase, status: status.code, detail: detail, requestId: requestId))) ?? Data()
        return ByteBuffer(bytes: json)
    }

    /// No line breaks may reach a raw head.
    private static func isSafe(_ text: String) -> Bool { !text.utf8.contains { $0 == 0x0D || $0 == 0x0A } }
}
