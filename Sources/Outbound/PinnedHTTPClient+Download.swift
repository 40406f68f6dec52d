import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

extension PinnedHTTPClient {
    /// What a download fetched.
    public struct Download: Sendable {
        /// After redirects.
        public var finalURL: String
        public var bytes: Int64
        public var contentType: String?
    }

    /// Streams `url` to the file at `path`: redirects (at most `maxRedirects`) are followed only
    /// after their target passes the same checks, the body may not exceed `limit` bytes, and the
    /// whole download must end within `timeout`. `progress` gets the fraction done when the size
    /// is known. The file is removed on failure.
    public func download(
        _ url: String, to path: String, limit: Int64, timeout: Duration, maxRedirects: Int = 5,
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> Download {
        do {
            return try await withThrowingTaskGroup(of: Download.self) { group in
                group.addTask {
                    var current = url
                    for _ in 0...maxRedirects {
                        let target = try await resolve(current)
                        switch try await get(target, to: path, limit: limit, progress: progress) {
                        case .redirect(let location):
                            guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString
                            else {
                                throw OutboundError.invalidURL("the redirect's Location is not a URL")
                            }
                            current = next
                        case .done(let bytes, let type):
                            return Download(finalURL: current, bytes: bytes, contentType: type)
                        }
                    }
                    throw OutboundError.tooManyRedirects
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw OutboundError.timedOut
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    enum Fetched {
        case redirect(String)
        case done(bytes: Int64, contentType: String?)
    }

    private func get(_ target: Target, to path: String, limit: Int64, progress: @escaping @Sendable (Double) -> Void)
        async throws -> Fetched
    {
        let channel = try await connect(target)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(target.head(.GET)))
            try await outbound.write(.end(nil))
            var expected: Int64?
            var written: Int64 = 0
            var contentType: String?
            var file: FileHandle?
            defer { try? file?.close() }
            for try await part in inbound {
                switch part {
                case .head(let response):
                    if [301, 302, 303, 307, 308].contains(response.status.code) {
                        guard let location = response.headers.first(name: "Location") else {
                            throw OutboundError.connectionFailed("a redirect without a Location")
                        }
                        return .redirect(location)
                    }
                    guard response.status.code == 200 else {
                        throw OutboundError.connectionFailed("the server answered \(response.status.code)")
                    }
                    expected = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
                    if let expected, expected > limit { throw OutboundError.tooLarge(limit: limit) }
                    contentType = response.headers.first(name: "Content-Type")
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                    file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                case .body(let chunk):
                    written += Int64(chunk.readableBytes)
                    if written > limit { throw OutboundError.tooLarge(limit: limit) }
                    try file?.write(contentsOf: Data(chunk.readableBytesView))
                    if let expected, expected > 0 { progress(min(1, Double(written) / Double(expected))) }
                case .end:
                    if let expected, written != expected {
                        throw OutboundError.connectionFailed("the body ended after \(written) of \(expected) bytes")
                    }
                    return .done(bytes: written, contentType: contentType)
                }
            }
            throw OutboundError.connectionFailed("the server closed the connection early")
        }
    }
}
