import ClipGenCore
import Foundation

/// Tokens, passwords and the first admin.
public struct AccountsConfiguration: Sendable {
    /// HS256 secret, at least 32 bytes; default: generated once and kept in the data directory.
    public var jwtSecret: String?
    /// Key id put in tokens' `kid` header, for rotation; default `k1`.
    public var jwtKeyID = "k1"
    /// Keys that still verify tokens but sign none, as `kid:secret,kid:secret`: the old key
    /// while tokens it signed live out their TTL after a rotation.
    public var jwtPreviousKeys: [SigningKey] = []
    /// Lifetime of access tokens in seconds; default 3600.
    public var tokenTTLSeconds = 3600
    /// Admin created on first start with an empty database; default admin@localhost.
    public var adminEmail = "admin@localhost"
    /// Its password; default: generated and printed once.
    public var adminPassword: String?
    /// Bearer token of `POST /v1/organizations`; unset: organisations are made with the CLI only.
    public var operatorToken: String?
    /// bcrypt cost; default 12. Tests lower it.
    public var bcryptCost = 12
    public init() {}

    public static let keys = [
        ConfigurationKey("jwtSecret", "HS256 secret, ≥ 32 bytes (generated into the data directory)"),
        ConfigurationKey("jwtKeyId", "kid header of issued tokens (k1)"),
        ConfigurationKey("jwtPreviousKeys", "retired keys that still verify, kid:secret,kid:secret (none)"),
        ConfigurationKey("tokenTtlSeconds", "access token lifetime (3600)"),
        ConfigurationKey("adminEmail", "first admin's email (admin@localhost)"),
        ConfigurationKey("adminPassword", "first admin's password (generated and printed once)"),
        ConfigurationKey("bcryptCost", "bcrypt cost factor (12)"),
        ConfigurationKey("operatorToken", "bearer token of POST /v1/organizations, ≥ 32 bytes (unset: CLI only)"),
    ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        jwtSecret = values.string("jwtSecret")
        if let secret = jwtSecret, secret.utf8.count < 32 { throw ConfigurationProblem.weakJWTSecret }
        jwtKeyID = values.string("jwtKeyId") ?? jwtKeyID
        if let previous = values.string("jwtPreviousKeys") {
            jwtPreviousKeys = try previous.split(separator: ",").map { entry in
                let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, parts[1].utf8.count >= 32, parts[0] != jwtKeyID else {
                    throw ConfigurationProblem.invalid(
                        key: ConfigurationKey.environmentName("jwtPreviousKeys"),
                        reason:
                            """
                            each entry must be kid:secret with a secret of at least 32 bytes and a kid other than \
                            the signing key's
                            """
                    )
                }
                return SigningKey(id: parts[0], secret: parts[1])
            }
        }
        tokenTTLSeconds = try values.int("tokenTtlSeconds", in: 60...31_536_000) ?? tokenTTLSeconds
        adminEmail = values.string("adminEmail") ?? adminEmail
        adminPassword = values.string("adminPassword")
        if let password = adminPassword, let problem = PasswordPolicy.problem(with: password) {
            throw ConfigurationProblem.invalid(key: ConfigurationKey.environmentName("adminPassword"), reason: problem)
        }
        bcryptCost = try values.int("bcryptCost", in: 4...31) ?? bcryptCost
        operatorToken = values.string("operatorToken")
        if let token = operatorToken, token.utf8.count < 32 {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName("operatorToken"), reason: "must be at least 32 bytes")
        }
    }
}
