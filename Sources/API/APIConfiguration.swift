import Accounts
import ClipGenCore
import Delivery
import Foundation
import Persistence

/// What the HTTP side can be told, with a default for every field.
public struct APIConfiguration: Sendable {
    public struct HTTP: Sendable {
        /// Address to bind; default 127.0.0.1.
        public var host = "127.0.0.1"
        /// Port to bind; default 8080. 0 picks a free port.
        public var port = 8080
        /// PEM certificate chain and key: with both, the server speaks TLS itself, HTTP/2 or
        /// HTTP/1.1 as the client's ALPN offers; without, plain HTTP/1.1 (behind a TLS proxy).
        public var tlsCertificate: String?
        public var tlsKey: String?
        /// A connection that sends nothing for this long (no request, or a request body that
        /// stalls) is closed; default 30 s. Responses being written are not cut short.
        public var idleTimeoutSeconds = 30.0
        /// Connections held at once; past it a new one is answered 503 and closed. Default 1024.
        public var maxConnections = 1024
        /// Connections one client address (an IPv6 client: its /64) may hold; trusted proxies
        /// count only in the total. Default 64.
        public var maxConnectionsPerAddress = 64
        /// Requests not yet tied to an account that may be under way at once (sign-ins, pages,
        /// refusals); past it those without credentials are answered 503. Default: an eighth of
        /// `maxConnections`.
        public var maxAnonymousRequests: Int?
        /// A request body slower than this, averaged over `bodyRateWindowSeconds` of waiting on
        /// the client, is cut off; default 1024 bytes a second.
        public var minBodyBytesPerSecond = 1024
        /// Default 30 s.
        public var bodyRateWindowSeconds = 30.0
        /// How often an open event socket's credentials are checked again (and at once on a
        /// revocation made through this replica); default 30 s.
        public var webSocketRecheckSeconds = 30.0
        /// Event sockets one user or API key may hold open; default 16.
        public var maxWebSocketsPerUser = 16
        /// `maxAnonymousRequests`, or its default.
        var anonymousCapacity: Int { maxAnonymousRequests ?? max(8, maxConnections / 8) }
        /// `/metrics` needs `Authorization: Bearer <token>` when set; when unset, only clients on
        /// loopback (a Prometheus beside the server) may read it.
        public var metricsToken: String?
        /// WebSocket pings this often keep idle event sockets (and proxies) from timing out; default 20 s.
        public var webSocketPingSeconds = 20.0
        /// An event message the client has not taken within this long closes its socket; default 10 s.
        public var webSocketWriteTimeoutSeconds = 10.0
        /// Browser origins (`https://app.example.com`) allowed to call the API; default none.
        public var corsOrigins: Set<String> = []
        /// Peers whose `X-Forwarded-For` is believed (the load balancer's addresses); default none.
        public var trustedProxies: Set<String> = []
        public init() {}
    }

    public struct RateLimits: Sendable {
        /// Requests a minute per user or API key; 0 turns the limit off. Default 600.
        public var perMinute = 600
        /// Requests a minute per client address, signed in or not; 0 turns it off. Default 1200.
        public var perAddressPerMinute = 1200
        public init() {}
    }

    /// What an organisation gets unless the operator sets its own quotas.
    public struct Quotas: Sendable {
        /// Jobs queued or running at once per organisation; nil: no limit. Default 100.
        public var concurrentJobs: Int? = 100
        /// Bytes of uploads and clips kept per organisation; nil: no limit (the default).
        public var storedBytes: Int64?
        public init() {}
    }

    /// How long each kind of data is kept, and the most an organisation may choose.
    public var retention = RetentionPolicy()

    public var http = HTTP()
    public var rateLimits = RateLimits()
    public var quotas = Quotas()
    /// Tokens, passwords and the first admin: the Accounts module's settings, read with the API's.
    public var auth = AccountsConfiguration()
    /// This replica's region, and the others' addresses; read by the workers too.
    public var region = RegionConfiguration()
    /// Largest accepted upload in bytes; default 10 GiB.
    public var maxUploadBytes: Int64 = 10 * 1024 * 1024 * 1024

    /// The quotas of organisations without their own, for the API and for workers' imports.
    public var quotaDefaults: QuotaDefaults {
        QuotaDefaults(
            concurrentJobs: quotas.concurrentJobs, storedBytes: quotas.storedBytes, maxUploadBytes: maxUploadBytes)
    }

    public init() {}

    public static let keys =
        AccountsConfiguration.keys + RegionConfiguration.keys + [
            ConfigurationKey("host", "address to bind (127.0.0.1)"),
            ConfigurationKey("port", "port to bind (8080)"),
            ConfigurationKey("maxUploadBytes", "largest upload in bytes (10737418240)"),
            ConfigurationKey("idleTimeoutSeconds", "close connections silent this long, mid-request too (30)"),
            ConfigurationKey("maxConnections", "connections held at once; more are answered 503 (1024)"),
            ConfigurationKey(
                "maxConnectionsPerAddress", "connections one client address (IPv6: /64) may hold; proxies exempt (64)"),
            ConfigurationKey(
                "maxAnonymousRequests", "requests not tied to an account under way at once (maxConnections / 8)"),
            ConfigurationKey(
                "minBodyBytesPerSecond", "request bodies slower than this over the window are cut off (1024)"),
            ConfigurationKey("bodyRateWindowSeconds", "the window a body's rate is averaged over (30)"),
            ConfigurationKey(
                "webSocketRecheckSeconds", "how often an event socket's credentials are checked again (30)"),
            ConfigurationKey("maxWebSocketsPerUser", "event sockets one user or API key may hold (16)"),
            ConfigurationKey("webSocketPingSeconds", "ping interval on event WebSockets (20)"),
            ConfigurationKey(
                "webSocketWriteTimeoutSeconds",
                "close an event WebSocket whose client has not read a message this long (10)"),
            ConfigurationKey("corsOrigins", "comma-separated browser origins allowed by CORS (none)"),
            ConfigurationKey(
                "trustedProxies",
                "comma-separated proxy addresses or ranges (10.0.0.0/8) whose X-Forwarded-For is believed (none)"),
            ConfigurationKey("metricsToken", "bearer token /metrics requires (unset: loopback clients only)"),
            ConfigurationKey(
                "quotaConcurrentJobs", "jobs queued or running at once per organisation; 0: no limit (100)"),
            ConfigurationKey("quotaStoredBytes", "bytes of uploads and clips kept per organisation; 0: no limit (0)"),
            ConfigurationKey(
                "rateLimitPerMinute", "requests a minute per user or API key, bursts of a sixth; 0: off (600)"),
            ConfigurationKey("rateLimitIpPerMinute", "requests a minute per client address; 0: off (1200)"),
            ConfigurationKey("auditRetentionDays", "days audit entries are kept; 0: for good (90)"),
            ConfigurationKey("uploadRetentionDays", "days uploads are kept unless in use; 0: for good (0)"),
            ConfigurationKey("clipRetentionDays", "days finished jobs' clip files are kept; 0: for good (0)"),
            ConfigurationKey("analysisRetentionDays", "days finished jobs' analyses are kept; 0: for good (0)"),
            ConfigurationKey("jobRetentionDays", "days finished jobs are kept, with all they made; 0: for good (0)"),
            ConfigurationKey(
                "webhookRetentionDays", "days finished webhook deliveries are kept; 0: for good (0)"),
            ConfigurationKey(
                "retentionMaxDays",
                "the longest any organisation may keep anything, its own settings included; 0: no bound (0)"),
            ConfigurationKey("retentionSweepSeconds", "how often expired data is looked for (3600)"),
            ConfigurationKey(
                "tlsCert", "PEM certificate chain: serve HTTPS (HTTP/2 and HTTP/1.1) directly, with tlsKey (off)"),
            ConfigurationKey("tlsKey", "PEM private key of tlsCert (off)"),
        ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        http.host = values.string("host") ?? http.host
        http.port = try values.int("port", in: 0...65535) ?? http.port
        maxUploadBytes = try values.int("maxUploadBytes", in: 1...Int.max).map(Int64.init) ?? maxUploadBytes
        auth = try AccountsConfiguration(reading: values)
        region = try RegionConfiguration(reading: values)
        http.idleTimeoutSeconds = try values.double("idleTimeoutSeconds", in: 1...3600) ?? http.idleTimeoutSeconds
        http.webSocketPingSeconds = try values.double("webSocketPingSeconds", in: 1...3600) ?? http.webSocketPingSeconds
        http.webSocketWriteTimeoutSeconds =
            try values.double("webSocketWriteTimeoutSeconds", in: 0.1...3600) ?? http.webSocketWriteTimeoutSeconds
        http.maxConnections = try values.int("maxConnections", in: 1...1_000_000) ?? http.maxConnections
        http.maxConnectionsPerAddress =
            try values.int("maxConnectionsPerAddress", in: 1...1_000_000) ?? http.maxConnectionsPerAddress
        http.maxAnonymousRequests = try values.int("maxAnonymousRequests", in: 1...1_000_000)
        http.minBodyBytesPerSecond =
            try values.int("minBodyBytesPerSecond", in: 0...1_000_000_000) ?? http.minBodyBytesPerSecond
        http.bodyRateWindowSeconds =
            try values.double("bodyRateWindowSeconds", in: 0.5...3600) ?? http.bodyRateWindowSeconds
        http.webSocketRecheckSeconds =
            try values.double("webSocketRecheckSeconds", in: 0.1...3600) ?? http.webSocketRecheckSeconds
        http.maxWebSocketsPerUser = try values.int("maxWebSocketsPerUser", in: 1...100_000) ?? http.maxWebSocketsPerUser
        http.metricsToken = values.string("metricsToken")
        http.corsOrigins = Set(
            (values.string("corsOrigins") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty })
        http.trustedProxies = Set(
            (values.string("trustedProxies") ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty })
        if let jobs = try values.int("quotaConcurrentJobs", in: 0...1_000_000) {
            quotas.concurrentJobs = jobs == 0 ? nil : jobs
        }
        if let bytes = try values.int("quotaStoredBytes", in: 0...Int.max) {
            quotas.storedBytes = bytes == 0 ? nil : Int64(bytes)
        }
        rateLimits.perMinute = try values.int("rateLimitPerMinute", in: 0...1_000_000) ?? rateLimits.perMinute
        rateLimits.perAddressPerMinute =
            try values.int("rateLimitIpPerMinute", in: 0...1_000_000) ?? rateLimits.perAddressPerMinute
        for (key, category) in [
            ("uploadRetentionDays", RetentionCategory.uploads), ("clipRetentionDays", .clips),
            ("analysisRetentionDays", .analyses), ("jobRetentionDays", .jobs), ("auditRetentionDays", .audit),
            ("webhookRetentionDays", .webhooks),
        ] {
            retention.defaults[category] = try values.int(key, in: 0...36_500) ?? retention.defaults[category]
        }
        if let days = try values.int("retentionMaxDays", in: 0...36_500) { retention.maxDays = days == 0 ? nil : days }
        retention.interval = .seconds(try values.int("retentionSweepSeconds", in: 1...604_800) ?? 3600)
        (http.tlsCertificate, http.tlsKey) = (values.string("tlsCert"), values.string("tlsKey"))
        switch (http.tlsCertificate, http.tlsKey) {
        case (nil, nil): break
        case (let certificate?, let key?):
            // Read now, so a wrong path or a key of another certificate stops the start with its name.
            do {
                _ = try ServerTLS.context(certificate: certificate, key: key)
            } catch {
                throw ConfigurationProblem.invalid(
                    key: ConfigurationKey.environmentName("tlsCert"),
                    reason: "the certificate and key could not be loaded as PEM (\(error))")
            }
        default:
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName(http.tlsCertificate == nil ? "tlsCert" : "tlsKey"),
                reason:
                    "is required with \(ConfigurationKey.environmentName(http.tlsCertificate == nil ? "tlsKey" : "tlsCert"))"
            )
        }
    }
}
