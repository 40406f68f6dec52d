import Logging
import ClipGenCore
import Foundation
import JWTKit

/// Claims in ClipGen's access tokens. The role is re-read from the store on every request, so
/// a demoted or deleted user loses access at once; the token only names the user.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var org: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and verifies HS256 access tokens; the key id allows rotating the secret later.
public struct TokenService: Sendable {
    let keys: JWTKeyCollection
    let keyID: String
    let ttl: TimeInterval
    let clock: WallClock

    /// Throws when the secret is shorter than 32 bytes, which HS256 keys must not be.
    public init(secret: String, keyID: String, ttlSeconds: Int, clock: WallClock = .system) async throws {
        guard secret.utf8.count >= 32 else { throw ConfigurationProblem.weakJWTSecret }
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        self.keyID = keyID
        self.ttl = TimeInterval(ttlSeconds)
        self.clock = clock
    }

    public func issue(for user: User) async throws -> (token: String, expiresIn: Int) {
        let now = clock.now()
        let claims = AccessClaims(sub: .init(value: user.id.rawValue), exp: .init(value: now.addingTimeInterval(ttl)),
                                  iat: .init(value: now), org: user.organizationId.rawValue)
        return (try await keys.sign(claims, kid: JWKIdentifier(string: keyID)), Int(ttl))
    }

    /// The user id in a valid token, or nil for anything forged, expired or malformed.
    public func verify(_ token: String) async -> UserID? {
        guard let claims = try? await keys.verify(token, as: AccessClaims.self) else { return nil }
        return UserID(rawValue: claims.sub.value)
    }
}
