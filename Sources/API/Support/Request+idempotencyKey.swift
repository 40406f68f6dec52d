import Hummingbird
import Persistence

extension Request {
    /// The request's `Idempotency-Key`, with `fingerprint` of what it asks for; nil without one.
    func idempotencyKey(fingerprint: () throws -> String) throws -> IdempotencyKey? {
        guard let key = headers[.idempotencyKey] else { return nil }
        guard !key.isEmpty, key.utf8.count <= 200 else {
            throw Problem(status: .badRequest, detail: "Idempotency-Key must be 1 to 200 bytes")
        }
        return IdempotencyKey(key: key, fingerprint: try fingerprint())
    }
}
