import ClipGenCore
import Foundation
import GRDB
import Persistence

/// Ids are stored as their text, so `row["id"]` reads a typed id and a typed id binds as an argument.
extension ID: SQLExpressible, StatementBinding, DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> ID? {
        String.fromDatabaseValue(value).map(ID.init(rawValue:))
    }
}

/// Keys bind as their text. Rows are read through `BlobKey(row:_:)`, which throws for a damaged
/// value where GRDB's subscript would stop the process.
extension BlobKey: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> BlobKey? {
        String.fromDatabaseValue(value).flatMap { try? BlobKey($0) }
    }

    init(row: Row, _ column: String) throws {
        try self.init(row[column] as String)
    }

    static func optional(_ row: Row, _ column: String) throws -> BlobKey? {
        try (row[column] as String?).map(BlobKey.init)
    }
}

private let jobRequests = DecodeCache<JobRequest>()
private let sourceSummaries = DecodeCache<SourceInfo>()
private let storyboards = DecodeCache<Storyboard>()
private let pickedHighlights = DecodeCache<[Highlight]>()

private func date(_ row: Row, _ column: String) -> Date? {
    (row[column] as Double?).map(Date.init(timeIntervalSince1970:))
}

private func enumValue<T: RawRepresentable>(_ row: Row, _ column: String) throws -> T where T.RawValue == String {
    let raw: String = row[column]
    guard let value = T(rawValue: raw) else {
        throw DatabaseError(message: "unexpected \(column) '\(raw)' in the database")
    }
    return value
}

extension User {
    init(row: Row) throws {
        self.init(
            id: row["id"], organizationId: row["organization_id"], email: row["email"],
            passwordHash: row["password_hash"],
            role: try enumValue(row, "role"), createdAt: date(row, "created_at")!, disabled: row["disabled"],
            tokenVersion: row["token_version"])
    }
}

extension APIKey {
    init(row: Row) throws {
        self.init(
            id: row["id"], organizationId: row["organization_id"], userId: row["user_id"], name: row["name"],
            role: try enumValue(row, "role"), secretHash: row["secret_hash"], createdAt: date(row, "created_at")!,
            lastUsedAt: date(row, "last_used_at"), revokedAt: date(row, "revoked_at"))
    }
}

extension Upload {
    init(row: Row) throws {
        self.init(
            id: row["id"], organizationId: row["organization_id"], ownerId: row["owner_id"], filename: row["filename"],
            size: row["size"], sha256: row["sha256"], blobKey: try BlobKey(row: row, "blob_key"),
            createdAt: date(row, "created_at")!)
    }
}

extension Job {
    init(row: Row) throws {
        self.init(
            id: row["id"], organizationId: row["organization_id"], ownerId: row["owner_id"],
            request: try jobRequests.decode(row["request"]), createdAt: date(row, "created_at")!)
        uploadId = row["upload_id"]
        status = try enumValue(row, "status")
        stage = try enumValue(row, "stage")
        progress = row["progress"]
        if let code: String = row["error_code"] {
            error = JobError(code: .init(rawValue: code), message: row["error_message"] ?? "")
        }
        if let summary: String = row["source_info"] { source = try sourceSummaries.decode(summary) }
        if row.hasColumn("source"), let media: String = row["source"] {
            self.media = try JSONCoding.decode(MediaInfo.self, media)
        }
        if let board: String = row["storyboard"] { storyboard = try storyboards.decode(board) }
        if let picked: String = row["highlights"] { highlights = try pickedHighlights.decode(picked) }
        startedAt = date(row, "started_at")
        finishedAt = date(row, "finished_at")
        attempts = row["attempts"]
    }
}

extension Clip {
    init(row: Row) throws {
        self.init(
            id: row["id"], jobId: row["job_id"], organizationId: row["organization_id"], index: row["idx"],
            name: row["name"],
            start: row["start"], end: row["end"], actualStart: row["actual_start"], duration: row["duration"],
            format: try enumValue(row, "format"), modeUsed: try enumValue(row, "mode_used"),
            fallbackReason: row["fallback_reason"], size: row["size"], sha256: row["sha256"],
            blobKey: try BlobKey(row: row, "blob_key"),
            score: row["score"], loudnessLUFS: row["loudness_lufs"], encoder: row["encoder"],
            thumbnailKey: try BlobKey.optional(row, "thumbnail_key"),
            reason: row["reason"],
            quality: try (row["quality"] as String?).map { try JSONCoding.decode(ClipQuality.self, $0) },
            presentation: try (row["presentation"] as String?).map { try JSONCoding.decode(ClipPresentation.self, $0) }
                ?? ClipPresentation(),
            createdAt: date(row, "created_at")!)
        renditions = try (row["renditions"] as String?).map { try JSONCoding.decode([ClipRendition].self, $0) } ?? []
    }
}

extension TaskRecord {
    init(row: Row) throws {
        self.init(
            id: row["id"], jobId: row["job_id"], kind: try enumValue(row, "kind"),
            capability: try enumValue(row, "capability"),
            fallback: (row["fallback"] as String?) == nil ? nil : try enumValue(row, "fallback"),
            clipIndex: row["clip_index"], attempts: row["attempts"], maxAttempts: row["max_attempts"])
    }
}

extension TaskState {
    init(row: Row) throws {
        self.init(
            record: try TaskRecord(row: row), status: try enumValue(row, "status"), progress: row["progress"],
            leaseOwner: row["lease_owner"])
    }
}
