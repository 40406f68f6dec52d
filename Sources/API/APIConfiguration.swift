import ClipGenCore

/// What the HTTP side can be told, with a default for every field.
public struct APIConfiguration: Sendable {
    public struct HTTP: Sendable {
        /// Address to bind; default 127.0.0.1.
        public var host = "127.0.0.1"
        /// Port to bind; default 8080. 0 picks a free port.
        public var port = 8080
        public init() {}
    }

    public struct Auth: Sendable {
        /// HS256 secret, at least 32 bytes; default: generated once and kept in the data directory.
        public var jwtSecret: String?
        /// Key id put in tokens' `kid` header, for rotation; default `k1`.
        public var jwtKeyID = "k1"
        /// Lifetime of access tokens in seconds; default 3600.
        public var tokenTTLSeconds = 3600
        /// Admin created on first start with an empty database; default admin@localhost.
        public var adminEmail = "admin@localhost"
        /// Its password; default: generated and printed once.
        public var adminPassword: String?
        /// bcrypt cost; default 12. Tests lower it.
        public var bcryptCost = 12
        public init() {}
    }

    public var http = HTTP()
    public var auth = Auth()
    /// Largest accepted upload in bytes; default 10 GiB.
    public var maxUploadBytes: Int64 = 10 * 1024 * 1024 * 1024

    public init() {}

    public static let keys = [
        ConfigurationKey("host", "address to bind (127.0.0.1)"),
        ConfigurationKey("port", "port to bind (8080)"),
        ConfigurationKey("maxUploadBytes", "largest upload in bytes (10737418240)"),
        ConfigurationKey("jwtSecret", "HS256 secret, ≥ 32 bytes (generated into the data directory)"),
        ConfigurationKey("jwtKeyId", "kid header of issued tokens (k1)"),
        ConfigurationKey("tokenTtlSeconds", "access token lifetime (3600)"),
        ConfigurationKey("adminEmail", "first admin's email (admin@localhost)"),
        ConfigurationKey("adminPassword", "first admin's password (generated and printed once)"),
        ConfigurationKey("bcryptCost", "bcrypt cost factor (12)"),
    ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        http.host = values.string("host") ?? http.host
        http.port = try values.int("port", in: 0...65535) ?? http.port
        maxUploadBytes = try values.int("maxUploadBytes", in: 1...Int.max).map(Int64.init) ?? maxUploadBytes
        auth.jwtSecret = values.string("jwtSecret")
        if let secret = auth.jwtSecret, secret.utf8.count < 32 { throw ConfigurationProblem.weakJWTSecret }
        auth.jwtKeyID = values.string("jwtKeyId") ?? auth.jwtKeyID
        auth.tokenTTLSeconds = try values.int("tokenTtlSeconds", in: 60...31_536_000) ?? auth.tokenTTLSeconds
        auth.adminEmail = values.string("adminEmail") ?? auth.adminEmail
        auth.adminPassword = values.string("adminPassword")
        if let password = auth.adminPassword, password.utf8.count < 8 || password.utf8.count > 72 {
            throw ConfigurationProblem.invalid(key: ConfigurationKey.environmentName("adminPassword"), reason: "must be 8 to 72 bytes long")
        }
        auth.bcryptCost = try values.int("bcryptCost", in: 4...31) ?? auth.bcryptCost
    }
}
