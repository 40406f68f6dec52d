import ClipGenCore
import Coordination
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization
import _ConnectionPoolModule

/// The `JobStore` for several processes on several machines: PostgreSQL through one
/// `PostgresClient` pool. The rules SQLite gets from its single writer come from row locks here:
/// every change to a job locks the job's row first, so its tasks finish, fail and report progress
/// one at a time and "the last task succeeds the job" is decided once; workers claim with
/// `FOR UPDATE SKIP LOCKED`, so two never lease the same task and neither waits for the other.
public final class PostgresJobStore: JobStoreBackend {
    let primary: PostgresPrimary
    /// The pool of the server that accepts writes (of several, the one `primary` follows).
    var client: PostgresClient { primary.client }
    let clock: WallClock
    let logger: Logger
    /// How long a call may wait for the database before it fails with `StoreError.unavailable`.
    let timeout: Duration
    /// When this process last looked for abandoned last attempts (store clock, seconds).
    let sweptAt = Mutex(-Double.infinity)
    /// The pool of a server for reads that tolerate staleness (reports, gauges): the region's
    /// own standby, so they need not cross to the primary. Nil: everything goes to the primary.
    let reads: PostgresClient?

    /// Does no I/O: the pool connects once `run()` is active. With several servers, the pool
    /// follows the one that accepts writes (`PostgresPrimary`).
    /// `reads`, when given, answers the reports (`ReportQueries`), falling back to the primary
    /// when it cannot.
    public convenience init(
        servers: PostgresServers, reads: PostgresServers? = nil, clock: WallClock = .system,
        timeout: Duration = .seconds(5), logger: Logger = Logger(label: "clipgen.postgres")
    ) {
        self.init(
            primary: PostgresPrimary(servers: servers, logger: logger),
            reads: reads.map { PostgresClient(configuration: $0.client(0), backgroundLogger: logger) }, clock: clock,
            timeout: timeout, logger: logger)
    }

    /// One server, as a pool's settings give it.
    public convenience init(
        configuration: PostgresClient.Configuration, clock: WallClock = .system,
        timeout: Duration = .seconds(5), logger: Logger = Logger(label: "clipgen.postgres")
    ) {
        self.init(
            primary: PostgresPrimary(configuration: configuration, logger: logger), reads: nil, clock: clock,
            timeout: timeout, logger: logger)
    }

    private init(primary: PostgresPrimary, reads: PostgresClient?, clock: WallClock, timeout: Duration, logger: Logger)
    {
        self.primary = primary
        self.reads = reads
        self.timeout = timeout
        self.clock = clock
        self.logger = logger
    }

    /// The first server's connection settings from a `postgres://user:password@host:port/database`
    /// URL (`sslmode=require` in the query turns TLS on).
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        try PostgresServers(url: url).client(0)
    }

    /// Brings the schema up to date. Processes starting together take turns on an advisory lock;
    /// the migrations run in one transaction with their versions recorded. A database that is
    /// still starting (a cluster coming up in any order) is waited for, up to `startupWait`.
    public func prepare() async throws {
        let deadline = ContinuousClock.now + startupWait
        while true {
            do {
                return try await migrate()
            } catch StoreError.unavailable where ContinuousClock.now < deadline {
                logger.notice("waiting for the database to answer")
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// How long `prepare()` waits for a database that does not answer yet.
    var startupWait: Duration { .seconds(30) }

    private func migrate() async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: self.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY,
                    applied_at DOUBLE PRECISION NOT NULL)
                """, logger: self.logger)
            var applied: Set<String> = []
            for try await version in try await connection.query(
                "SELECT version FROM schema_migrations", logger: self.logger
            ).decode(String.self) {
                applied.insert(version)
            }
            for (version, statements) in Self.migrations where !applied.contains(version) {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (\(version), \(self.now))",
                    logger: self.logger)
            }
        }
    }

    /// Runs the connection pool until graceful shutdown reaches the store. Cancelled, it gives the
    /// pool `Self.stopGrace` to close its connections and then stops waiting: postgres-nio 1.33's
    /// pool now and then never finished stopping after a burst of connections (twenty transactions
    /// at once in a test; every connection closed, the pool's `run` still waiting), which held up
    /// whatever was stopping the store — a test for ever, a replica's SIGTERM likewise.
    public func run() async throws {
        let (primary, reads) = (self.primary, self.reads)
        let stopped = Notifier(latching: true)
        let running = Task {
            await withDiscardingTaskGroup { group in
                if let reads { group.addTask { await reads.run() } }
                await primary.run()
                group.cancelAll()
            }
            stopped.notifyAll()
        }
        await stopped.wait() // the pool stopped, or this task was cancelled
        running.cancel()
        // In a task of its own, which this one's cancellation does not reach: the grace is waited out.
        await Task { await stopped.wait(timeout: Self.stopGrace) }.value
    }

    static let stopGrace = Duration.seconds(30)

    var now: Double { clock.now().timeIntervalSince1970 }

    public func isReachable() async -> Bool {
        (try? await one("SELECT 1::BIGINT AS one") { try $0.get("one", as: Int.self) }) == 1
    }

    /// The rows of one statement, decoded: inside a transaction on its connection, or on its own
    /// within the deadline.
    /// `operation` names the statement in `backend_request_duration_seconds`: the store method that ran it.
    func all<T: Sendable>(
        _ query: PostgresQuery, on connection: PostgresConnection? = nil, operation: String = #function,
        _ map: @escaping @Sendable (PostgresRandomAccessRow) throws -> T
    ) async throws -> [T] {
        if let connection { return try await Self.collect(try await connection.query(query, logger: logger), map) }
        return try await withDeadline(operation) {
            try await Self.collect(try await self.client.query(query, logger: self.logger), map)
        }
    }

    static func collect<T>(_ rows: PostgresRowSequence, _ map: (PostgresRandomAccessRow) throws -> T)
        async throws -> [T]
    {
        var results: [T] = []
        for try await row in rows { results.append(try map(row.makeRandomAccess())) }
        return results
    }

    func one<T: Sendable>(
        _ query: PostgresQuery, on connection: PostgresConnection? = nil, operation: String = #function,
        _ map: @escaping @Sendable (PostgresRandomAccessRow) throws -> T
    ) async throws -> T? {
        try await all(query, on: connection, operation: operation, map).first
    }

    /// A statement without rows, on its own, within the deadline.
    func run(_ query: PostgresQuery, operation: String = #function) async throws {
        try await withDeadline(operation) { _ = try await self.client.query(query, logger: self.logger) }
    }

    /// Runs `body`, giving up after `timeout` with `StoreError.unavailable` instead of waiting on
    /// a database that is down (the pool would wait for a connection indefinitely). Giving up
    /// cancels the wait for a connection; work already sent finishes, and if it succeeded its
    /// result is returned, so a caller is never told "unavailable" about a change that was made
    /// (the event relay's claim marks events published: a claim reported as failed but made would
    /// lose them).
    func withDeadline<T: Sendable>(_ operation: String, _ body: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        // `claimTask(worker:capabilities:leaseSeconds:)` is counted as `claimTask`.
        try await Self.calls.measure(String(operation.prefix { $0 != "(" })) { try await deadline(body) }
    }

    private func deadline<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await self.unavailableOnConnectionFailure(body) }
            group.addTask {
                try? await Task.sleep(for: self.timeout)
                return nil
            }
            if let value = try await group.next() ?? nil {
                group.cancelAll()
                return value
            }
            group.cancelAll()
            if let late = try? await group.next(), let value = late { return value }
            primary.suspect()
            throw StoreError.unavailable
        }
    }

    /// Errors from the connection or the pool (no server reply: refused, reset, closed) mean the
    /// database is unavailable, and so does a write refused by a standby (the primary lost, or
    /// promoted elsewhere): the servers are asked which one accepts writes now. Other errors the
    /// server sent mean what they say.
    private func unavailableOnConnectionFailure<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo == nil || error.serverInfo?[.sqlState] == "25006" {
            primary.suspect()
            throw StoreError.unavailable
        } catch let error as ConnectionPoolError where error == .connectionCreationCircuitBreakerTripped {
            // The pool has failed to connect for a while: the server is gone, not merely slow.
            primary.suspect()
            throw StoreError.unavailable
        } catch is CancellationError {
            throw StoreError.unavailable
        }
    }

    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws {
        try await connection.query(query, logger: logger)
    }

    /// A transaction, run again when PostgreSQL broke a deadlock or a serialisation conflict by
    /// aborting it (two transactions locking a job and its task in opposite orders can meet).
    /// Errors come out as thrown, not wrapped, so `StoreError`s reach the caller as themselves.
    func transaction<T: Sendable>(
        operation: String = #function, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await retryingConflicts {
            try await self.withDeadline(operation) {
                do {
                    return try await self.client.withTransaction(logger: self.logger) { connection in
                        try await body(connection)
                    }
                } catch let error as PostgresTransactionError {
                    throw error.closureError ?? error.commitError ?? error.beginError ?? error
                }
            }
        }
    }

    /// Runs `body` again (up to 4 times) when PostgreSQL aborted it to break a deadlock or a
    /// serialisation conflict; nothing of an aborted statement or transaction remains.
    func retryingConflicts<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as PSQLError
                where attempt < 4 && ["40P01", "40001"].contains(error.serverInfo?[.sqlState] ?? "")
            {
                attempt += 1
            }
        }
    }

    static let calls = BackendCallMetrics(backend: "postgres")

    /// `pg_advisory_xact_lock` key for the first admin: one more than the migrations'.
    static let bootstrapLock: Int64 = migrationLock + 1

    /// `pg_advisory_xact_lock` key for migrations: "clipgen" in ASCII.
    static let migrationLock: Int64 = 0x636c_6970_6765_6e
}

// MARK: organisations and users
extension PostgresJobStore {
    public func userCount() async throws -> Int {
        try await one("SELECT COUNT(*) AS n FROM users") { try $0.get("n", as: Int.self) } ?? 0
    }

    public func createFirstAdmin(_ admin: User, in organization: Organization) async throws -> Bool {
        try await transaction { connection in
            // Replicas bootstrapping at once take turns; the second sees the first one's admin.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.bootstrapLock))", logger: self.logger)
            let rows = try await connection.query("SELECT COUNT(*) AS n FROM users", logger: self.logger)
            for try await row in rows where try row.decode(Int.self) > 0 { return false }
            try await self.execute(Self.insert(organization), on: connection)
            try await self.execute(Self.insert(admin), on: connection)
            return true
        }
    }

    public func createOrganization(_ organization: Organization) async throws {
        try await run(Self.insert(organization))
    }

    public func createOrganization(_ organization: Organization, admin: User) async throws {
        try await withUniqueEmail {
            try await transaction { connection in
                try await self.execute(Self.insert(organization), on: connection)
                try await self.execute(Self.insert(admin), on: connection)
            }
        }
    }

    public func createUser(_ user: User) async throws {
        try await withUniqueEmail { try await run(Self.insert(user)) }
    }

    private static func insert(_ organization: Organization) -> PostgresQuery {
        """
        INSERT INTO organizations (id, name, created_at, home_region)
            VALUES (\(organization.id), \(organization.name), \(organization.createdAt.timeIntervalSince1970),
                \(organization.homeRegion))
        """
    }

    private static func insert(_ user: User) -> PostgresQuery {
        """
        INSERT INTO users (id, organization_id, email, password_hash, role, created_at)
            VALUES (\(user.id), \(user.organizationId), \(user.email), \(user.passwordHash), \(user.role.rawValue),
                \(user.createdAt.timeIntervalSince1970))
        """
    }

    /// A second account with one email in one organisation is a conflict the caller can act on.
    private func withUniqueEmail(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw StoreError.conflict("your organisation already has a user with this email")
        }
    }

    @discardableResult
    public func updateUser(_ user: User) async throws -> Bool {
        try await one(
            """
            UPDATE users SET role = \(user.role.rawValue), password_hash = \(user.passwordHash),
                disabled = \(user.disabled), token_version = \(user.tokenVersion)
            WHERE id = \(user.id) RETURNING id
            """
        ) { _ in true } ?? false
    }

    public func user(id: UserID) async throws -> User? {
        try await one("SELECT * FROM users WHERE id = \(id)", User.init(row:))
    }

    public func createAPIKey(_ key: APIKey) async throws {
        try await run(
            """
            INSERT INTO api_keys (id, organization_id, user_id, name, role, secret_hash, created_at)
            VALUES (\(key.id), \(key.organizationId), \(key.userId), \(key.name), \(key.role.rawValue),
                \(key.secretHash),
                    \(key.createdAt.timeIntervalSince1970))
            """)
    }

    public func apiKey(id: APIKeyID) async throws -> APIKey? {
        try await one("SELECT * FROM api_keys WHERE id = \(id)", APIKey.init(row:))
    }

    public func apiKeys(organizationId: OrganizationID, userId: UserID?) async throws -> [APIKey] {
        if let userId {
            return try await all(
                """
                SELECT * FROM api_keys WHERE organization_id = \(organizationId) AND user_id = \(userId)
                    ORDER BY created_at DESC
                """, APIKey.init(row:))
        }
        return try await all(
            "SELECT * FROM api_keys WHERE organization_id = \(organizationId) ORDER BY created_at DESC",
            APIKey.init(row:))
    }

    public func revokeAPIKey(id: APIKeyID, organizationId: OrganizationID, at: Date) async throws -> Bool {
        try await one(
            """
            UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(at.timeIntervalSince1970))
            WHERE id = \(id) AND organization_id = \(organizationId) RETURNING id
            """
        ) { _ in true } ?? false
    }

    public func touchAPIKey(id: APIKeyID, at: Date) async throws {
        try await run("UPDATE api_keys SET last_used_at = \(at.timeIntervalSince1970) WHERE id = \(id)")
    }

    public func users(email: String) async throws -> [User] {
        try await all("SELECT * FROM users WHERE lower(email) = lower(\(email)) ORDER BY created_at", User.init(row:))
    }

    public func passwordHashCosts() async throws -> [Int: Int] {
        let rows = try await all(
            "SELECT substring(password_hash from 5 for 2) AS cost, COUNT(*) AS n FROM users GROUP BY 1"
        ) {
            (try $0.get("cost", as: String?.self), try $0.get("n", as: Int.self))
        }
        return rows.reduce(into: [:]) { costs, row in if let cost = row.0.flatMap({ Int($0) }) { costs[cost] = row.1 } }
    }

    public func users(organizationId: OrganizationID) async throws -> [User] {
        try await all(
            "SELECT * FROM users WHERE organization_id = \(organizationId) ORDER BY created_at", User.init(row:))
    }
}

// MARK: uploads
extension PostgresJobStore {
    public func createUpload(_ upload: Upload) async throws -> Upload {
        try await transaction { connection in
            var upload = upload
            // FOR SHARE: a concurrent delete of that row waits for this insert, then counts it as a reference.
            if let existing = try await self.one(
                """
                SELECT blob_key FROM uploads WHERE organization_id = \(upload.organizationId)
                    AND sha256 = \(upload.sha256)
                    AND size = \(upload.size) LIMIT 1 FOR SHARE
                """, on: connection, { try BlobKey(row: $0, "blob_key") })
            {
                upload.blobKey = existing
            }
            try await self.execute(
                """
                INSERT INTO uploads (id, organization_id, owner_id, filename, size, sha256, blob_key, created_at)
                VALUES (\(upload.id), \(upload.organizationId), \(upload.ownerId), \(upload.filename),
                    \(upload.size), \(upload.sha256),
                        \(upload.blobKey), \(upload.createdAt.timeIntervalSince1970))
                """, on: connection)
            // The stored upload counts itself from now on.
            try await self.execute(
                "DELETE FROM storage_reservations WHERE id = \(StorageReservation.uploadID(upload.id))", on: connection)
            return upload
        }
    }

    public func upload(id: UploadID, organizationId: OrganizationID) async throws -> Upload? {
        try await one(
            "SELECT * FROM uploads WHERE id = \(id) AND organization_id = \(organizationId)", Upload.init(row:))
    }

    public func uploads(organizationId: OrganizationID, page: PageRequest) async throws -> Page<Upload> {
        try await self.page(
            table: "uploads", columns: "*", organizationId: organizationId, status: nil, page: page,
            map: Upload.init(row:))
    }

    public func deleteUpload(id: UploadID, organizationId: OrganizationID) async throws -> UploadDeletion? {
        try await transaction { connection in
            guard
                let key = try await self.one(
                    """
                    DELETE FROM uploads WHERE id = \(id) AND organization_id = \(organizationId) RETURNING blob_key
                    """, on: connection, { try BlobKey(row: $0, "blob_key") })
            else { return nil }
            let remaining =
                try await self.one("SELECT COUNT(*) AS n FROM uploads WHERE blob_key = \(key)", on: connection) {
                    try $0.get("n", as: Int.self)
                } ?? 0
            return UploadDeletion(blobKey: key, blobUnreferenced: remaining == 0)
        }
    }

    /// Keyset pagination, newest first; the cursor is the last row's `created_at` and `id`.
    func page<Item: Sendable>(
        table: String, columns: String, organizationId: OrganizationID, status: JobStatus?, page: PageRequest,
        map: @escaping @Sendable (PostgresRandomAccessRow) throws -> Item
    ) async throws -> Page<Item> {
        var query = PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(table) WHERE organization_id = $1")
        query.binds.append(organizationId)
        if let status {
            query.sql += " AND status = $\(query.binds.count + 1)"
            query.binds.append(status.rawValue)
        }
        if let cursor = page.cursor {
            let (createdAt, id) = try PageCursor.decode(cursor)
            let n = query.binds.count
            query.sql += " AND (created_at < $\(n + 1) OR (created_at = $\(n + 1) AND id < $\(n + 2)))"
            query.binds.append(createdAt)
            query.binds.append(id)
        }
        query.sql += " ORDER BY created_at DESC, id DESC LIMIT $\(query.binds.count + 1)"
        query.binds.append(page.limit + 1)
        let rows = try await all(query) { row in
            (try map(row), try row.get("created_at", as: Double.self), try row.get("id", as: String.self))
        }
        let items = rows.prefix(page.limit).map(\.0)
        let next = rows.count > page.limit ? rows[page.limit - 1] : nil
        return Page(items: Array(items), nextCursor: next.map { PageCursor.encode(createdAt: $0.1, id: $0.2) })
    }
}
