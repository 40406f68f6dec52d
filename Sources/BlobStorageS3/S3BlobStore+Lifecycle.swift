import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension S3BlobStore {
    /// The id of the rule ClipGen writes, so an operator reading the bucket's rules knows whose it is.
    static let lifecycleRuleID = "clipgen-abort-incomplete-uploads"

    /// The bucket-wide rule that aborts multipart uploads left unfinished (their parts are stored
    /// and billed, and nothing lists them): written when the bucket has no lifecycle rules at all.
    /// A bucket with rules keeps them untouched, since a PUT replaces every rule; so does a store
    /// that cannot keep rules. Neither stops the start: it is housekeeping, not correctness.
    func keepLifecycleRule() async {
        guard let days = configuration.abortIncompleteUploadsDays else { return }
        do {
            let current = try await send(.GET, nil, query: [("lifecycle", "")], timeout: .seconds(10))
            let body = String(buffer: try await current.body.collect(upTo: 1 << 20))
            switch current.status.code {
            case 200:
                if !body.contains(Self.lifecycleRuleID) {
                    logger.notice(
                        "the S3 bucket has lifecycle rules of its own; they are left as they are, so add one that aborts incomplete multipart uploads",
                        metadata: ["bucket": "\(configuration.bucket)"])
                }
                return
            case 404 where xmlElement("Code", in: body) == "NoSuchLifecycleConfiguration":
                break
            default:
                logger.warning(
                    "the S3 bucket's lifecycle rules could not be read; unfinished multipart uploads stay until removed by hand",
                    metadata: ["status": "\(current.status.code)", "code": "\(xmlElement("Code", in: body) ?? "")"])
                return
            }
            let rule = ByteBuffer(string: Self.lifecycleConfiguration(prefix: configuration.keyPrefix, days: days))
            let response = try await send(
                .PUT, nil, query: [("lifecycle", "")],
                headers: [
                    ("Content-MD5", Data(Insecure.MD5.hash(data: Data(rule.readableBytesView))).base64EncodedString())
                ],
                body: rule, payloadHash: SigV4Signer.hash(rule), timeout: .seconds(10))
            guard response.status == .ok || response.status == .noContent else {
                let reply = String(buffer: (try? await response.body.collect(upTo: 64 << 10)) ?? ByteBuffer())
                logger.warning(
                    "the S3 bucket did not take the rule that aborts unfinished multipart uploads",
                    metadata: ["status": "\(response.status.code)", "code": "\(xmlElement("Code", in: reply) ?? "")"])
                return
            }
            logger.notice(
                "the S3 bucket now aborts multipart uploads unfinished after \(days) days",
                metadata: ["bucket": "\(configuration.bucket)"])
        } catch {
            logger.warning("the S3 bucket's lifecycle rules could not be set", metadata: ["error": "\(error)"])
        }
    }

    static func lifecycleConfiguration(prefix: String, days: Int) -> String {
        #"<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>"#
            + "<ID>\(lifecycleRuleID)</ID><Filter><Prefix>\(xmlEscaped(prefix))</Prefix></Filter><Status>Enabled</Status>"
            + "<AbortIncompleteMultipartUpload><DaysAfterInitiation>\(days)</DaysAfterInitiation>"
            + "</AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>"
    }
}
