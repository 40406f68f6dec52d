import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

extension Request {
    /// The body as JSON. Decoding here, not through Hummingbird's `decode`, keeps the
    /// `DecodingError` whole, so the problem answer can name the field (`clips[0].start`).
    func decodeJSON<T: Decodable>(as type: T.Type, context: AppRequestContext) async throws -> T {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        return try JSONDecoder().decode(T.self, from: buffer)
    }
}
