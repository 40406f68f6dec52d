import ClipGenCore
import Foundation
import JWTKit
import Logging

/// Claims in ClipGen's access tokens. The role is re-read from the store on every request, so
/// a demoted user loses rights at once; `ver` must match the user's token version, so a password
/// change or disabling voids every earlier token.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var org: String
    var ver: Int?
    /// `media`: a token that only loads media (`TokenScope.media`); absent: full access.
    var scp: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// One HS256 key of the ring: tokens name it in their `kid` header.
public struct SigningKey: Sendable, Equatable {
    public var id: String
    public var secret: String
    public init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }
}

/// Who a valid token speaks for.
public struct VerifiedToken: Sendable, Equatable {
    public var userId: UserID
    public var tokenVersion: Int
    public var scope: TokenScope = .full
    /// When it stops being valid.
    public var expiresAt: Date? = nil
}

/// What a token may do. A media token rides in URLs a `<video>` or `<img>` loads, where it can
/// leak (history, screenshots of devtools): it reads media and nothing else.
public enum TokenScope: String, Sendable {
    case full
    case media
}

/// Signs HS256 access tokens with the active key and verifies them with any key of the ring,
/// so a new key can be introduced while tokens signed by the old one live out their time.
/// Only HS256 is accepted, the `kid` must name a key of the ring, and `iat`/`exp` must describe
/// a token this service could have issued (not from the future, not longer-lived than the TTL).
public struct TokenService: Sendable {
    let keys: JWTKeyCollection
    let keyIDs: Set<String>
    let activeKeyID: String
    let ttl: TimeInterval
    let clock: WallClock
    /// Clocks of replicas differ a little; more than this is a forged or broken token.
    static var allowedSkew: TimeInterval { 60 }

    /// Throws when a secret is shorter than 32 bytes (HS256 keys must not be), when ids repeat,
    /// or when `activeKeyID` is not in the ring.
    public init(keys ring: [SigningKey], activeKeyID: String, ttlSeconds: Int, clock: WallClock = .system) async throws
    {
        guard ring.allSatisfy({ $0.secret.utf8.count >= 32 }) else { throw ConfigurationProblem.weakJWTSecret }
        guard Set(ring.map(\.id)).count == ring.count, ring.contains(where: { $0.id == activeKeyID }) else {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName("jwtKeyId"),
                reason: "key ids must be unique and include the signing key's")
        }
        keys = JWTKeyCollection()
        for key in ring {
            await keys.add(
                hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
        }
        keyIDs = Set(ring.map(\.id))
        self.activeKeyID = activeKeyID
        self.ttl = TimeInterval(ttlSeconds)
        self.clock = clock
    }

    public init(secret: String, keyID: String, ttlSeconds: Int, clock: WallClock = .system) async throws {
        try await self.init(
            keys: [SigningKey(id: keyID, secret: secret)], activeKeyID: keyID, ttlSeconds: ttlSeconds, clock: clock)
    }

    public func issue(for user: User, scope: TokenScope = .full) async throws -> (token: String, expiresIn: Int) {
        let now = clock.now()
        let claims = AccessClaims(
            sub: .init(value: user.id.rawValue), exp: .init(value: now.addingTimeInterval(ttl)),
            iat: .init(value: now), org: user.organizationId.rawValue, ver: user.tokenVersion,
            scp: scope == .full ? nil : scope.rawValue)
        return (try await keys.sign(claims, kid: JWKIdentifier(string: activeKeyID)), Int(ttl))
    }

    /// The user a valid token names, or nil for anything forged, expired, malformed, signed by
    /// an unknown or retired key, or with times this service would not have issued.
    public func verify(_ token: String) async -> VerifiedToken? {
        guard let header = Self.header(of: token), header.alg == "HS256", let kid = header.kid, keyIDs.contains(kid),
            let claims = try? await keys.verify(token, as: AccessClaims.self)
        else { return nil }
        let now = clock.now()
        let issued = claims.iat.value
        let expires = claims.exp.value
        guard issued <= now.addingTimeInterval(Self.allowedSkew),
            expires.timeIntervalSince(issued) <= ttl + Self.allowedSkew,
            expires > now
        else { return nil }
        // A scope this service does not know is no scope it granted.
        guard let scope = claims.scp.map(TokenScope.init(rawValue:)) ?? .full else { return nil }
        return VerifiedToken(
            userId: UserID(rawValue: claims.sub.value), tokenVersion: claims.ver ?? 0, scope: scope, expiresAt: expires)
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    private static func header(of token: String) -> Header? {
        guard let first = token.split(separator: ".", omittingEmptySubsequences: false).first, first.utf8.count <= 1024
        else { return nil }
        var base64 = first.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode(Header.self, from: data)
    }
}
