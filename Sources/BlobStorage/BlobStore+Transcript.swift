import ClipGenCore
import Foundation

extension BlobStore {
    /// The transcript kept beside an upload (`Transcript.blobKey`); nil when it has none (yet).
    public func transcript(for upload: UploadID) async throws -> Transcript? {
        do {
            return try JSONDecoder().decode(
                Transcript.self, from: try await contents(of: Transcript.blobKey(for: upload)))
        } catch BlobError.notFound {
            return nil
        }
    }
}
