import BlobStorage
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The bytes of one named part of a `multipart/form-data` body, parsed as they stream in:
/// the body is never held whole. Other parts are skipped, but their bytes count against `limit`
/// like the file's (a form is no way around the upload limit); the part's filename is available
/// once iteration has begun.
struct MultipartFileSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let boundary: String
    let fieldName: String
    /// Bytes of the whole body past which it is refused (`BlobError.tooLarge`), a form's
    /// framing allowed for; nil: no limit here.
    let limit: Int64?
    let captured = Captured()

    final class Captured: Sendable {
        let filename = Mutex<String?>(nil)
    }

    init(base: Base, boundary: String, fieldName: String, limit: Int64? = nil) {
        self.base = base
        self.boundary = boundary
        self.fieldName = fieldName
        self.limit = limit
    }

    /// What a form needs beyond its file: boundaries, part headers, small fields.
    static var framingAllowance: Int64 { 64 * 1024 }

    var filename: String? { captured.filename.withLock { $0 } }

    static func boundary(fromContentType contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        guard let value = HeaderParameters.parse(contentType).first(where: { $0.name == "boundary" })?.value else {
            return nil
        }
        return value.isEmpty || value.count > 70 ? nil : value
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(
            base: base.makeAsyncIterator(), delimiter: Array("\r\n--\(boundary)".utf8), fieldName: fieldName,
            limit: limit.map { $0 + Self.framingAllowance }, captured: captured)
    }

    struct Iterator: AsyncIteratorProtocol {
        enum State {
            case preamble, afterDelimiter, headers
            case body(wanted: Bool)
            case done
        }
        var base: Base.AsyncIterator
        let delimiter: [UInt8]
        let fieldName: String
        let limit: Int64?
        let captured: Captured
        var received: Int64 = 0
        // A leading CRLF makes the first delimiter look like every later one.
        var buffer: [UInt8] = Array("\r\n".utf8)
        var state = State.preamble
        var baseFinished = false
        var found = false
        static var maxHeaderBytes: Int { 16 * 1024 }

        init(base: Base.AsyncIterator, delimiter: [UInt8], fieldName: String, limit: Int64?, captured: Captured) {
            self.base = base
            self.delimiter = delimiter
            self.fieldName = fieldName
            self.limit = limit
            self.captured = captured
        }

        mutating func next() async throws -> ByteBuffer? {
            while true {
                switch state {
                case .done:
                    return nil
                case .preamble:
                    if let range = buffer.firstRange(of: delimiter) {
                        buffer.removeSubrange(..<range.upperBound)
                        state = .afterDelimiter
                    } else {
                        buffer.removeFirst(Swift.max(0, buffer.count - delimiter.count))
                        try await fill()
                    }
                case .afterDelimiter:
                    guard buffer.count >= 2 else {
                        try await fill()
                        continue
                    }
                    if buffer[0] == UInt8(ascii: "-") && buffer[1] == UInt8(ascii: "-") {
                        state = .done
                        if !found { throw malformed("the form has no '\(fieldName)' part") }
                    } else if buffer[0] == UInt8(ascii: "\r") && buffer[1] == UInt8(ascii: "\n") {
                        buffer.removeFirst(2)
                        state = .headers
                    } else {
                        throw malformed("a part boundary is not followed by a line break")
                    }
                case .headers:
                    let end = Array("\r\n\r\n".utf8)
                    if let range = buffer.firstRange(of: end) {
                        let headers = String(decoding: buffer[..<range.lowerBound], as: UTF8.self)
                        buffer.removeSubrange(..<range.upperBound)
                        let (name, filename) = Self.disposition(headers)
                        let wanted = name == fieldName && !found
                        if wanted {
                            found = true
                            captured.filename.withLock { $0 = filename }
                        }
                        state = .body(wanted: wanted)
                    } else {
                        if buffer.count > Self.maxHeaderBytes { throw malformed("a part's headers are too long") }
                        try await fill()
                    }
                case .body(let wanted):
                    if let range = buffer.firstRange(of: delimiter) {
                        let chunk = buffer[..<range.lowerBound]
                        buffer.removeSubrange(..<range.upperBound)
                        state = .afterDelimiter
                        if wanted && !chunk.isEmpty { return ByteBuffer(bytes: chunk) }
                    } else if buffer.count > delimiter.count {
                        // Keep a delimiter's length back: it may be split across reads.
                        let safe = buffer.count - delimiter.count
                        let chunk = buffer[..<safe]
                        buffer.removeFirst(safe)
                        if wanted { return ByteBuffer(bytes: chunk) }
                    } else {
                        try await fill()
                    }
                }
            }
        }

        private mutating func fill() async throws {
            guard !baseFinished, let next = try await base.next() else {
                baseFinished = true
                throw malformed("the form ends before its closing boundary")
            }
            received += Int64(next.readableBytes)
            if let limit, received > limit {
                throw BlobError.tooLarge(limit: limit - MultipartFileSequence.framingAllowance)
            }
            buffer.append(contentsOf: next.readableBytesView)
        }

        private func malformed(_ detail: String) -> Problem {
            Problem(status: .badRequest, title: "Malformed multipart body", detail: detail)
        }

        static func disposition(_ headers: String) -> (name: String?, filename: String?) {
            for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                let parameters = HeaderParameters.parse(line)
                return (
                    parameters.first { $0.name == "name" }?.value, parameters.first { $0.name == "filename" }?.value
                )
            }
            return (nil, nil)
        }
    }
}
