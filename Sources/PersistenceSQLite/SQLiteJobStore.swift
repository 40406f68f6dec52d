import ClipGenCore
import Foundation
import GRDB
import Persistence
import ServiceLifecycle
import Synchronization

/// The embedded `JobStore`: one SQLite file in WAL mode, so readers never wait for the writer
/// and the queue survives restarts. Writes are serialised by SQLite; a claim is one write
/// transaction, so two workers can never lease the same task.
public final class SQLiteJobStore: JobStoreBackend {
    public let path: String
    let clock: WallClock
    private let connection = Mutex(Connection.notOpened)

    private enum Connection {
        case notOpened
        case open(DatabasePool)
        case closed
    }

    /// Does no I/O: the file is opened and migrated by `prepare()` or the first call that needs it.
    public init(path: String, clock: WallClock = .system) {
        self.path = path
        self.clock = clock
    }

    /// Opens the database and brings its schema up to date; later calls return at once.
    /// Several processes may do this at once: migrations run in one write transaction.
    public func prepare() throws {
        _ = try pool
    }

    /// Keeps the database open until graceful shutdown reaches the store (after every service
    /// listed behind it has drained), then closes it: later calls throw `StoreError.shutDown`.
    public func run() async throws {
        try? await gracefulShutdown()
        let pool = connection.withLock { connection -> DatabasePool? in
            defer { connection = .closed }
            if case .open(let pool) = connection { return pool }
            return nil
        }
        try pool?.close()
    }

    var pool: DatabasePool {
        get throws {
            try connection.withLock { connection in
                switch connection {
                case .open(let pool): return pool
                case .closed: throw StoreError.shutDown
                case .notOpened: break
                }
                var configuration = Configuration()
                configuration.busyMode = .timeout(10)
                configuration.foreignKeysEnabled = true
                // In WAL mode NORMAL never corrupts the database; a power cut may lose the last commits,
                // which the queue tolerates (leases expire and tasks run again). It saves an fsync per write.
                configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let pool = try DatabasePool(path: path, configuration: configuration)
                try Self.migrator.migrate(pool)
                connection = .open(pool)
                return pool
            }
        }
    }

    var now: Double { clock.now().timeIntervalSince1970 }

    /// Reads run on the calling thread: in WAL mode a reader never waits for the writer, and a
    /// read of a few rows takes microseconds, less than the two thread hops of GRDB's async read
    /// (which the profile of `GET /v1/jobs/{id}` showed as the largest cost). Each is one
    /// statement, atomic by itself, so no BEGIN/COMMIT is spent around it; a read that needs
    /// several statements to agree uses `pool.read`. Writes stay async: they may wait for another
    /// process's transaction.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.unsafeRead(body)
    }

    public func isReachable() async -> Bool {
        (try? read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }
}

// MARK: organisations and users
extension SQLiteJobStore {
    public func userCount() async throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }

    public func createFirstAdmin(_ admin: User, in organization: Organization) async throws -> Bool {
        // A write transaction: SQLite runs one at a time, so the count cannot change under it.
        try await pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") == 0 else { return false }
            try Self.insert(organization, into: db)
            try Self.insert(admin, into: db)
            return true
        }
    }

    public func createOrganization(_ organization: Organization) async throws {
        try await pool.write { db in try Self.insert(organization, into: db) }
    }

    public func createOrganization(_ organization: Organization, admin: User) async throws {
        try await withUniqueEmail {
            try await pool.write { db in
                try Self.insert(organization, into: db)
                try Self.insert(admin, into: db)
            }
        }
    }

    public func createUser(_ user: User) async throws {
        try await withUniqueEmail { try await pool.write { db in try Self.insert(user, into: db) } }
    }

    private static func insert(_ organization: Organization, into db: Database) throws {
        try db.execute(
            sql: "INSERT INTO organizations (id, name, created_at, home_region) VALUES (?, ?, ?, ?)",
            arguments: [
                organization.id, organization.name, organization.createdAt.timeIntervalSince1970,
                organization.homeRegion,
            ])
    }

    private static func insert(_ user: User, into db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO users (id, organization_id, email, password_hash, role, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                user.id, user.organizationId, user.email, user.passwordHash, user.role.rawValue,
                user.createdAt.timeIntervalSince1970,
            ])
    }

    /// A second account with one email in one organisation is a conflict the caller can act on.
    private func withUniqueEmail(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.conflict("your organisation already has a user with this email")
        }
    }

    @discardableResult
    public func updateUser(_ user: User) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE users SET role = ?, password_hash = ?, disabled = ?, token_version = ? WHERE id = ?",
                arguments: [user.role.rawValue, user.passwordHash, user.disabled, user.tokenVersion, user.id])
            return db.changesCount > 0
        }
    }

    public func user(id: UserID) async throws -> User? {
        // Every authenticated request reads its user: the statement is compiled once.
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id]).map(
                User.init(row:))
        }
    }

    public func createAPIKey(_ key: APIKey) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, organization_id, user_id, name, role, secret_hash, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id, key.organizationId, key.userId, key.name, key.role.rawValue, key.secretHash,
                    key.createdAt.timeIntervalSince1970,
                ])
        }
    }

    public func apiKey(id: APIKeyID) async throws -> APIKey? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM api_keys WHERE id = ?"), arguments: [id]).map(
                APIKey.init(row:))
        }
    }

    public func apiKeys(organizationId: OrganizationID, userId: UserID?) async throws -> [APIKey] {
        try read { db in
            if let userId {
                return try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM api_keys WHERE organization_id = ? AND user_id = ? ORDER BY created_at DESC",
                    arguments: [organizationId, userId]
                ).map(APIKey.init(row:))
            }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM api_keys WHERE organization_id = ? ORDER BY created_at DESC",
                arguments: [organizationId]
            ).map(APIKey.init(row:))
        }
    }

    public func revokeAPIKey(id: APIKeyID, organizationId: OrganizationID, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND organization_id = ?",
                arguments: [at.timeIntervalSince1970, id, organizationId])
            return db.changesCount > 0
        }
    }

    public func touchAPIKey(id: APIKeyID, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [at.timeIntervalSince1970, id])
        }
    }

    public func users(email: String) async throws -> [User] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM users WHERE email = ? COLLATE NOCASE ORDER BY created_at", arguments: [email]
            ).map(User.init(row:))
        }
    }

    public func passwordHashCosts() async throws -> [Int: Int] {
        try read { db in
            var costs: [Int: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT substr(password_hash, 5, 2) AS cost, COUNT(*) AS n FROM users GROUP BY cost")
            {
                if let cost = Int(row["cost"] as String? ?? "") { costs[cost] = row["n"] }
            }
            return costs
        }
    }

    public func users(organizationId: OrganizationID) async throws -> [User] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM users WHERE organization_id = ? ORDER BY created_at",
                arguments: [organizationId]
            )
            .map(User.init(row:))
        }
    }
}

// MARK: uploads
extension SQLiteJobStore {
    public func createUpload(_ upload: Upload) async throws -> Upload {
        try await pool.write { db in
            var upload = upload
            if let existing = try String.fetchOne(
                db,
                sql: """
                    SELECT blob_key FROM uploads WHERE organization_id = ? AND sha256 = ? AND size = ? LIMIT 1
                    """, arguments: [upload.organizationId, upload.sha256, upload.size])
            {
                upload.blobKey = try BlobKey(existing)
            }
            try db.execute(
                sql: """
                    INSERT INTO uploads (id, organization_id, owner_id, filename, size, sha256, blob_key, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    upload.id, upload.organizationId, upload.ownerId, upload.filename, upload.size,
                    upload.sha256, upload.blobKey, upload.createdAt.timeIntervalSince1970,
                ])
            // The stored upload counts itself from now on.
            try db.execute(
                sql: "DELETE FROM storage_reservations WHERE id = ?",
                arguments: [StorageReservation.uploadID(upload.id)])
            return upload
        }
    }

    public func upload(id: UploadID, organizationId: OrganizationID) async throws -> Upload? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM uploads WHERE id = ? AND organization_id = ?", arguments: [id, organizationId]
            )
            .map(Upload.init(row:))
        }
    }

    public func uploads(organizationId: OrganizationID, page: PageRequest) async throws -> Page<Upload> {
        try read { db in
            try Self.page(
                db, table: "uploads", filter: "organization_id = ?", arguments: [organizationId], page: page,
                map: Upload.init(row:))
        }
    }

    public func deleteUpload(id: UploadID, organizationId: OrganizationID) async throws -> UploadDeletion? {
        try await pool.write { db in
            guard
                let key = try String.fetchOne(
                    db, sql: "SELECT blob_key FROM uploads WHERE id = ? AND organization_id = ?",
                    arguments: [id, organizationId]
                ).map(BlobKey.init)
            else { return nil }
            try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id])
            let remaining =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM uploads WHERE blob_key = ?", arguments: [key]) ?? 0
            return UploadDeletion(blobKey: key, blobUnreferenced: remaining == 0)
        }
    }

    /// Keyset pagination, newest first; the cursor is the last row's `created_at` and `id`.
    static func page<Item>(
        _ db: Database, table: String, columns: String = "*", filter: String, arguments: StatementArguments,
        page: PageRequest, map: (Row) throws -> Item
    ) throws -> Page<Item> {
        var sql = "SELECT \(columns) FROM \(table) WHERE \(filter)"
        var arguments = arguments
        if let cursor = page.cursor {
            let (createdAt, id) = try PageCursor.decode(cursor)
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            arguments += [createdAt, createdAt, id]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        arguments += [page.limit + 1]
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        let items = try rows.prefix(page.limit).map(map)
        let next = rows.count > page.limit ? rows[page.limit - 1] : nil
        return Page(items: items, nextCursor: next.map { PageCursor.encode(createdAt: $0["created_at"], id: $0["id"]) })
    }
}
