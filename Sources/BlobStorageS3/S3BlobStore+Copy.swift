import AsyncHTTPClient
import BlobStorage
import ClipGenCore
import Foundation
import NIOCore
import NIOHTTP1

extension S3BlobStore {
    /// CopyObject's limit for one request.
    public static let largestCopy: Int64 = 5 << 30

    /// Whether `copy(_:from:as:)` works between the two: the same service, reached and signed
    /// for the same way, whatever the buckets and key prefixes.
    public func canCopy(from source: S3BlobStore) -> Bool {
        configuration.endpoint == source.configuration.endpoint
            && configuration.accessKeyID == source.configuration.accessKeyID
            && configuration.region == source.configuration.region
    }

    /// Copies `key` of `source` to `target` here without the bytes leaving the store (CopyObject),
    /// objects up to `largestCopy`. Throws `BlobError.notFound` when the source key is gone.
    public func copy(_ key: BlobKey, from source: S3BlobStore, as target: BlobKey) async throws {
        let path =
            "/" + source.configuration.bucket + "/"
            + SigV4Signer.encode(source.configuration.keyPrefix + key.rawValue, keepSlash: true)
        let response = try await send(.PUT, target, headers: [("x-amz-copy-source", path)], timeout: .seconds(900))
        switch response.status.code {
        case 200:
            // A copy can fail after its 200 was sent; the body then holds an <Error>.
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            guard !body.contains("<Error>") else {
                throw BlobError.unavailable(
                    "the store could not copy '\(key)': \(xmlElement("Message", in: body) ?? body)")
            }
        case 404: throw try await failure(response, key: key)
        default: throw try await failure(response, key: target)
        }
    }
}
