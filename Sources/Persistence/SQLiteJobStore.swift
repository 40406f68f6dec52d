import ClipGenCore
import Foundation
import GRDB

/// The embedded `JobStore`: one SQLite file in WAL mode, so readers never wait for the writer
/// and the queue survives restarts. Writes are serialised by SQLite; a claim is one write
/// transaction, so two workers can never lease the same task.
public final class SQLiteJobStore: JobStore {
    let pool: DatabasePool
    let clock: WallClock
    let workSignal = Notifier()

    public init(path: String, clock: WallClock = .system) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        // In WAL mode NORMAL never corrupts the database; a power cut may lose the last commits,
        // which the queue tolerates (leases expire and tasks run again). It saves an fsync per write.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        pool = try DatabasePool(path: path, configuration: configuration)
        self.clock = clock
        try Self.migrator.migrate(pool)
    }

    var now: Double { clock.now().timeIntervalSince1970 }

    public func isReachable() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at REAL NOT NULL);
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL,
                    created_at REAL NOT NULL);
                CREATE TABLE uploads (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    owner_id TEXT NOT NULL,
                    filename TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    blob_key TEXT NOT NULL,
                    created_at REAL NOT NULL);
                CREATE INDEX uploads_org ON uploads(organization_id, created_at DESC, id DESC);
                CREATE INDEX uploads_blob ON uploads(blob_key);
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    owner_id TEXT NOT NULL,
                    upload_id TEXT,
                    status TEXT NOT NULL,
                    stage TEXT NOT NULL,
                    progress REAL NOT NULL DEFAULT 0,
                    error_code TEXT,
                    error_message TEXT,
                    request TEXT NOT NULL,
                    source TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL);
                CREATE INDEX jobs_org ON jobs(organization_id, created_at DESC, id DESC);
                CREATE TABLE idempotency_keys (
                    organization_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    PRIMARY KEY (organization_id, key));
                CREATE TABLE tasks (
                    id TEXT PRIMARY KEY,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    capability TEXT NOT NULL,
                    clip_index INTEGER,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    max_attempts INTEGER NOT NULL,
                    available_at REAL NOT NULL,
                    lease_owner TEXT,
                    lease_expires_at REAL,
                    progress REAL NOT NULL DEFAULT 0,
                    last_error_code TEXT,
                    last_error_message TEXT,
                    created_at REAL NOT NULL);
                CREATE INDEX tasks_runnable ON tasks(status, available_at);
                CREATE INDEX tasks_job ON tasks(job_id);
                CREATE TABLE clips (
                    id TEXT PRIMARY KEY,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    organization_id TEXT NOT NULL,
                    idx INTEGER NOT NULL,
                    name TEXT,
                    start REAL NOT NULL,
                    "end" REAL NOT NULL,
                    actual_start REAL NOT NULL,
                    duration REAL NOT NULL,
                    format TEXT NOT NULL,
                    mode_used TEXT NOT NULL,
                    fallback_reason TEXT,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    blob_key TEXT NOT NULL,
                    score REAL,
                    created_at REAL NOT NULL,
                    UNIQUE (job_id, idx));
                """)
        }
        migrator.registerMigration("v2-outputs") { db in
            try db.execute(sql: """
                ALTER TABLE clips ADD COLUMN loudness_lufs REAL;
                ALTER TABLE clips ADD COLUMN encoder TEXT;
                ALTER TABLE clips ADD COLUMN thumbnail_key TEXT;
                ALTER TABLE jobs ADD COLUMN storyboard TEXT;
                """)
        }
        migrator.registerMigration("v3-analysis") { db in
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN highlights TEXT;
                ALTER TABLE clips ADD COLUMN reason TEXT;
                ALTER TABLE clips ADD COLUMN quality TEXT;
                CREATE TABLE analyses (
                    job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
                    body TEXT NOT NULL);
                """)
        }
        return migrator
    }
}

// MARK: organisations and users
extension SQLiteJobStore {
    public func userCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }

    public func createOrganization(_ organization: Organization) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)",
                           arguments: [organization.id, organization.name, organization.createdAt.timeIntervalSince1970])
        }
    }

    public func createUser(_ user: User) async throws {
        do {
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO users (id, organization_id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [user.id, user.organizationId, user.email, user.passwordHash, user.role.rawValue,
                                     user.createdAt.timeIntervalSince1970])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.conflict("a user with this email already exists")
        }
    }

    public func user(id: String) async throws -> User? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(User.init(row:)) }
    }

    public func user(email: String) async throws -> User? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ?", arguments: [email]).map(User.init(row:)) }
    }

    public func users(organizationId: String) async throws -> [User] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users WHERE organization_id = ? ORDER BY created_at", arguments: [organizationId])
                .map(User.init(row:))
        }
    }
}

// MARK: uploads
extension SQLiteJobStore {
    public func createUpload(_ upload: Upload) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO uploads (id, organization_id, owner_id, filename, size, sha256, blob_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [upload.id, upload.organizationId, upload.ownerId, upload.filename, upload.size,
                                 upload.sha256, upload.blobKey, upload.createdAt.timeIntervalSince1970])
        }
    }

    public func upload(id: String, organizationId: String) async throws -> Upload? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM uploads WHERE id = ? AND organization_id = ?", arguments: [id, organizationId])
                .map(Upload.init(row:))
        }
    }

    public func uploads(organizationId: String, page: PageRequest) async throws -> Page<Upload> {
        try await pool.read { db in
            try Self.page(db, table: "uploads", filter: "organization_id = ?", arguments: [organizationId], page: page, map: Upload.init(row:))
        }
    }

    public func deleteUpload(id: String, organizationId: String) async throws -> UploadDeletion? {
        try await pool.write { db in
            guard let key = try String.fetchOne(db, sql: "SELECT blob_key FROM uploads WHERE id = ? AND organization_id = ?",
                                                arguments: [id, organizationId]) else { return nil }
            try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id])
            let remaining = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM uploads WHERE blob_key = ?", arguments: [key]) ?? 0
            return UploadDeletion(blobKey: key, blobUnreferenced: remaining == 0)
        }
    }

    /// Keyset pagination, newest first; the cursor is the last row's `created_at` and `id`.
    static func page<Item>(_ db: Database, table: String, filter: String, arguments: StatementArguments,
                           page: PageRequest, map: (Row) throws -> Item) throws -> Page<Item> {
        var sql = "SELECT * FROM \(table) WHERE \(filter)"
        var arguments = arguments
        if let cursor = page.cursor {
            let (createdAt, id) = try decodeCursor(cursor)
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            arguments += [createdAt, createdAt, id]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        arguments += [page.limit + 1]
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        let items = try rows.prefix(page.limit).map(map)
        let next = rows.count > page.limit ? rows[page.limit - 1] : nil
        return Page(items: items, nextCursor: next.map { encodeCursor(createdAt: $0["created_at"], id: $0["id"]) })
    }

    static func encodeCursor(createdAt: Double, id: String) -> String {
        Data("\(createdAt.bitPattern)|\(id)".utf8).base64EncodedString()
    }

    static func decodeCursor(_ cursor: String) throws -> (Double, String) {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8) else { throw StoreError.invalidCursor }
        let parts = text.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let bits = UInt64(parts[0]) else { throw StoreError.invalidCursor }
        return (Double(bitPattern: bits), String(parts[1]))
    }
}
