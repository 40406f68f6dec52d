import AsyncHTTPClient
import BlobStorage
import ClipGenCore
import Coordination
import Foundation
import Logging
import NIOCore
import NIOFileSystem
import NIOHTTP1
import ServiceLifecycle
import SystemPackage

/// Blobs in a bucket of an S3-compatible store, signed with SigV4. Uploads stream: a body
/// larger than one part goes up as a multipart upload whose parts are sent as the body arrives
/// (aborted when the body fails or is too large), so memory stays near `partSize` times
/// `concurrentParts` whatever the size. Reads are ranged GETs paced by their consumer.
public struct S3BlobStore: BlobStoreBackend {
    public let configuration: S3Configuration
    let signer: SigV4Signer
    let logger: Logger
    var client: HTTPClient { s3HTTPClient }

    public init(configuration: S3Configuration, logger: Logger = Logger(label: "clipgen.s3")) {
        self.configuration = configuration
        self.signer = SigV4Signer(
            accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey,
            region: configuration.region)
        self.logger = logger
    }

    /// Waits up to `patience` for the store to answer (it may be starting beside us), then makes
    /// the bucket if it is missing. Refused credentials fail at once: waiting will not fix them.
    public func prepare() async throws {
        try await prepare(patience: .seconds(30))
    }

    func prepare(patience: Duration) async throws {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                // A listing of nothing rather than HEAD: a refusal then says why in its body.
                let response = try await send(
                    .GET, nil, query: [("list-type", "2"), ("max-keys", "0")], timeout: .seconds(5))
                switch response.status.code {
                case 200: break
                case 404: try await createBucket()
                default: throw try await failure(response, key: nil)
                }
                return await keepLifecycleRule()
            } catch BlobError.unavailable where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// The store keeps no state of its own in the process: nothing to release but the wait.
    public func run() async throws {
        try? await gracefulShutdown()
    }

    public func get(_ key: BlobKey, range: ClosedRange<Int64>?) async throws -> BlobBody {
        guard let (bucket, total) = try await locate(key) else { throw BlobError.notFound(key.rawValue) }
        if let range, range.lowerBound < 0 || range.upperBound >= total {
            throw BlobError.rangeNotSatisfiable(size: total)
        }
        let store = self
        // The GET starts when the consumer reads, and each chunk is pulled from the connection
        // only after the consumer took the last one.
        return BlobBody(totalSize: total, range: range) { consume in
            let response = try await store.send(
                .GET, key, headers: range.map { [("Range", "bytes=\($0.lowerBound)-\($0.upperBound)")] } ?? [],
                bucket: bucket)
            guard response.status == .ok || response.status == .partialContent else {
                throw try await store.failure(response, key: key)
            }
            for try await chunk in response.body { try await consume(chunk) }
        }
    }

    public func download(_ key: BlobKey, to path: String) async throws {
        var response = try await send(.GET, key)
        for bucket in configuration.replicaBuckets where response.status == .notFound {
            // The refusal's body read first: the connection goes back to the pool for the next try.
            _ = try? await response.body.collect(upTo: 1 << 20)
            response = try await send(.GET, key, bucket: bucket)
        }
        guard response.status == .ok else { throw try await failure(response, key: key) }
        do {
            try await FileSystem.shared.withFileHandle(
                forWritingAt: FilePath(path), options: .newFile(replaceExisting: true)
            ) { handle in
                var writer = handle.bufferedWriter(capacity: .kibibytes(512))
                for try await chunk in response.body { try await writer.write(contentsOf: chunk) }
                try await writer.flush()
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw Self.unavailableIfTransport(error)
        }
    }

    public func size(of key: BlobKey) async throws -> Int64? {
        try await locate(key)?.size
    }

    /// The bucket holding `key` (this store's own first, then the replicas) and its size; nil
    /// when none has it.
    func locate(_ key: BlobKey) async throws -> (bucket: String, size: Int64)? {
        for bucket in [configuration.bucket] + configuration.replicaBuckets {
            let response = try await send(.HEAD, key, bucket: bucket)
            switch response.status.code {
            case 200: return (bucket, response.headers.first(name: "content-length").flatMap { Int64($0) } ?? 0)
            case 404: continue
            default: throw try await failure(response, key: key)
            }
        }
        return nil
    }

    /// ListObjectsV2, a page of up to 1,000 keys at a time.
    public func keys(startingWith prefix: String) async throws -> [BlobKey] {
        var keys: [BlobKey] = []
        var continuation: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", configuration.keyPrefix + prefix)]
            if let continuation { query.append(("continuation-token", continuation)) }
            let response = try await send(.GET, nil, query: query)
            guard response.status == .ok else { throw try await failure(response, key: nil) }
            let xml = String(buffer: try await response.body.collect(upTo: 16 << 20))
            keys += xmlElements("Key", in: xml).compactMap {
                try? BlobKey(String($0.dropFirst(configuration.keyPrefix.count)))
            }
            continuation =
                xmlElement("IsTruncated", in: xml) == "true" ? xmlElement("NextContinuationToken", in: xml) : nil
        } while continuation != nil
        return keys.sorted { $0.rawValue < $1.rawValue }
    }

    /// From the replicas too: a file deleted here while its home region is lost stays deleted here.
    public func delete(_ key: BlobKey) async throws {
        for bucket in [configuration.bucket] + configuration.replicaBuckets {
            let response = try await send(.DELETE, key, bucket: bucket)
            guard [200, 204, 404].contains(response.status.code) else {
                throw try await failure(response, key: key)
            }
        }
    }

    public func presignedURL(for key: BlobKey, expires: Duration, contentType: String?, filename: String?) async throws
        -> URL?
    {
        var query: [(String, String)] = []
        if let contentType { query.append(("response-content-type", contentType)) }
        if let filename { query.append(("response-content-disposition", "attachment; filename=\"\(filename)\"")) }
        // A replica's copy only when this region's bucket lacks the file: one HEAD more, and only
        // with replicas.
        let bucket = configuration.replicaBuckets.isEmpty ? nil : try await locate(key)?.bucket
        // Signed for the host the client will send: S3 checks the signature against it.
        return signer.presign(
            url: url(for: key, query: query, endpoint: configuration.publicEndpoint, bucket: bucket), expires: expires,
            date: Date())
    }

    public func isReachable() async -> Bool {
        (try? await send(.HEAD, nil, timeout: .seconds(2)))?.status == .ok
    }

    // MARK: - Requests

    /// `endpoint/bucket[/prefix+key][?query]`, each path segment and query item percent-encoded once.
    func url(for key: BlobKey?, query: [(String, String)] = [], endpoint: URL? = nil, bucket: String? = nil) -> URL {
        var text = (endpoint ?? configuration.endpoint).absoluteString + "/" + (bucket ?? configuration.bucket)
        if let key { text += "/" + SigV4Signer.encode(configuration.keyPrefix + key.rawValue, keepSlash: true) }
        if !query.isEmpty {
            text +=
                "?"
                + query.map { SigV4Signer.encode($0.0) + ($0.1.isEmpty ? "" : "=" + SigV4Signer.encode($0.1)) }.joined(
                    separator: "&")
        }
        return URL(string: text)!
    }

    /// One signed request. Transport failures (refused connection, timeout, reset) are
    /// `BlobError.unavailable`; the caller judges the status.
    func send(
        _ method: HTTPMethod, _ key: BlobKey?, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: ByteBuffer? = nil, payloadHash: String = SigV4Signer.emptyPayloadHash,
        timeout: TimeAmount = .seconds(30), bucket: String? = nil
    ) async throws -> HTTPClientResponse {
        let target = url(for: key, query: query, bucket: bucket)
        var request = HTTPClientRequest(url: target.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        for (name, value) in signer.sign(
            method: method.rawValue, url: target, headers: headers, payloadHash: payloadHash, date: Date())
        {
            request.headers.add(name: name, value: value)
        }
        if let body { request.body = .bytes(body) }
        // Timed to the answer's head: a download's body is paced by its reader.
        let started = ContinuousClock.now
        let operation = Self.operation(method, key: key, query: query)
        do {
            let response = try await client.execute(request, timeout: timeout, logger: logger)
            Self.calls.record(operation, since: started, failed: response.status.code >= 500)
            return response
        } catch {
            Self.calls.record(operation, since: started, failed: true)
            throw Self.unavailableIfTransport(error)
        }
    }

    private static let calls = BackendCallMetrics(backend: "s3")

    /// The S3 operation a request is, by the names in S3's API reference.
    static func operation(_ method: HTTPMethod, key: BlobKey?, query: [(String, String)]) -> String {
        let names = Set(query.map(\.0))
        switch method {
        case .GET where names.contains("lifecycle"): return "GetBucketLifecycleConfiguration"
        case .GET where key == nil: return "ListObjectsV2"
        case .GET: return "GetObject"
        case .HEAD: return key == nil ? "HeadBucket" : "HeadObject"
        case .PUT where names.contains("lifecycle"): return "PutBucketLifecycleConfiguration"
        case .PUT where key == nil: return "CreateBucket"
        case .PUT: return names.contains("partNumber") ? "UploadPart" : "PutObject"
        case .POST:
            return names.contains("uploads")
                ? "CreateMultipartUpload" : names.contains("uploadId") ? "CompleteMultipartUpload" : "DeleteObjects"
        case .DELETE: return names.contains("uploadId") ? "AbortMultipartUpload" : "DeleteObject"
        default: return method.rawValue
        }
    }

    /// The error an unexpected answer stands for, read from its XML body.
    func failure(_ response: HTTPClientResponse, key: BlobKey?) async throws -> any Error {
        let body = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
        let code = xmlElement("Code", in: body) ?? ""
        switch response.status.code {
        case 404 where key != nil && code != "NoSuchBucket": return BlobError.notFound(key!.rawValue)
        case 404 where key == nil && code == "NoSuchBucket": return S3Error.unexpected(status: 404, code: code)
        case 401, 403: return S3Error.refused(code: code.isEmpty ? "\(response.status.code)" : code)
        case 500..<600:
            return BlobError.unavailable(
                "the S3 store answered \(response.status.code)\(code.isEmpty ? "" : " (\(code))")")
        default: return S3Error.unexpected(status: Int(response.status.code), code: code)
        }
    }

    static func unavailableIfTransport(_ error: any Error) -> any Error {
        switch error {
        case is BlobError, is S3Error, is CancellationError: error
        case let error as HTTPClientError where error == .cancelled: CancellationError()
        default: BlobError.unavailable("the S3 store did not answer (\(error))")
        }
    }

    private func createBucket() async throws {
        // Outside us-east-1 S3 wants the region named in the body; SeaweedFS and MinIO accept either.
        var body: ByteBuffer?
        if configuration.region != "us-east-1" {
            let region = xmlEscaped(configuration.region)
            body = ByteBuffer(
                string: #"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
                    + "<LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>")
        }
        let response = try await send(
            .PUT, nil, body: body, payloadHash: body.map { SigV4Signer.hash($0) } ?? SigV4Signer.emptyPayloadHash)
        // Another replica may have made it first.
        guard response.status == .ok || response.status.code == 409 else { throw try await failure(response, key: nil) }
        logger.notice("made the S3 bucket", metadata: ["bucket": "\(configuration.bucket)"])
    }
}

/// One client for every S3 store in the process, on NIO's shared event loops. It lives as long
/// as the process (like those loops), so no store has to outlive its requests to shut it down.
private let s3HTTPClient = HTTPClient(
    eventLoopGroup: HTTPClient.defaultEventLoopGroup,
    configuration: .init(
        timeout: .init(connect: .seconds(5), read: .seconds(60)),
        connectionPool: connectionPool))

/// A store that refuses connections is answered as unavailable at once, not retried until
/// the request's deadline: callers (and API clients) decide about retrying.
private var connectionPool: HTTPClient.Configuration.ConnectionPool {
    var pool = HTTPClient.Configuration.ConnectionPool(
        idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
    pool.retryConnectionEstablishment = false
    return pool
}
