import ClipGenCore
import Foundation
import NIOCore
import Persistence
import PostgresNIO

/// Ids bind and read as text.
extension ID: PostgresNonThrowingEncodable, PostgresDecodable {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeString(rawValue)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        self.init(rawValue: try String(from: &buffer, type: type, format: format, context: context))
    }
}

/// Keys bind as text; rows are read through `BlobKey(row:_:)`, which checks them.
extension BlobKey: PostgresNonThrowingEncodable {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeString(rawValue)
    }

    init(row: PostgresRandomAccessRow, _ column: String) throws {
        try self.init(row.get(column, as: String.self))
    }

    static func optional(_ row: PostgresRandomAccessRow, _ column: String) throws -> BlobKey? {
        try row.get(column, as: String?.self).map(BlobKey.init)
    }
}

extension PostgresRandomAccessRow {
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }

    func date(_ column: String) throws -> Date? {
        try get(column, as: Double?.self).map(Date.init(timeIntervalSince1970:))
    }

    func enumValue<T: RawRepresentable>(_ column: String) throws -> T where T.RawValue == String {
        let raw = try get(column, as: String.self)
        guard let value = T(rawValue: raw) else {
            throw StoreDataError(reason: "unexpected \(column) '\(raw)' in the database")
        }
        return value
    }

    func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T? {
        try get(column, as: String?.self).map { try JSONCoding.decode(T.self, $0) }
    }

    func json<T>(_ column: String, through cache: DecodeCache<T>) throws -> T? {
        try get(column, as: String?.self).map(cache.decode)
    }
}

/// A row that does not hold what ClipGen wrote (a hand edit, a bad restore).
struct StoreDataError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

// A job's request, summary, storyboard and highlights never change once written: decoded once per text.
private let jobRequests = DecodeCache<JobRequest>()
private let sourceSummaries = DecodeCache<SourceInfo>()
private let storyboards = DecodeCache<Storyboard>()
private let pickedHighlights = DecodeCache<[Highlight]>()

extension User {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.get("id"), organizationId: try row.get("organization_id"), email: try row.get("email"),
            passwordHash: try row.get("password_hash"), role: try row.enumValue("role"),
            createdAt: try row.date("created_at")!,
            disabled: try row.get("disabled"), tokenVersion: try row.get("token_version"))
    }
}

extension APIKey {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.get("id"), organizationId: try row.get("organization_id"), userId: try row.get("user_id"),
            name: try row.get("name"), role: try row.enumValue("role"), secretHash: try row.get("secret_hash"),
            createdAt: try row.date("created_at")!, lastUsedAt: try row.date("last_used_at"),
            revokedAt: try row.date("revoked_at"))
    }
}

extension Upload {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.get("id"), organizationId: try row.get("organization_id"), ownerId: try row.get("owner_id"),
            filename: try row.get("filename"), size: try row.get("size"), sha256: try row.get("sha256"),
            blobKey: try BlobKey(row: row, "blob_key"), createdAt: try row.date("created_at")!)
    }
}

extension Job {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.get("id"), organizationId: try row.get("organization_id"), ownerId: try row.get("owner_id"),
            request: try row.json("request", through: jobRequests)!, createdAt: try row.date("created_at")!)
        uploadId = try row.get("upload_id")
        status = try row.enumValue("status")
        stage = try row.enumValue("stage")
        progress = try row.get("progress")
        if let code = try row.get("error_code", as: String?.self) {
            error = JobError(code: .init(rawValue: code), message: try row.get("error_message", as: String?.self) ?? "")
        }
        source = try row.json("source_info", through: sourceSummaries)
        if row.contains("source"), let media = try row.json("source", as: MediaInfo.self) { self.media = media }
        storyboard = try row.json("storyboard", through: storyboards)
        highlights = try row.json("highlights", through: pickedHighlights)
        startedAt = try row.date("started_at")
        finishedAt = try row.date("finished_at")
        attempts = try row.get("attempts")
    }
}

extension Clip {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.get("id"), jobId: try row.get("job_id"), organizationId: try row.get("organization_id"),
            index: try row.get("idx"),
            name: try row.get("name"), start: try row.get("start"), end: try row.get("end"),
            actualStart: try row.get("actual_start"),
            duration: try row.get("duration"), format: try row.enumValue("format"),
            modeUsed: try row.enumValue("mode_used"),
            fallbackReason: try row.get("fallback_reason"), size: try row.get("size"), sha256: try row.get("sha256"),
            blobKey: try BlobKey(row: row, "blob_key"), score: try row.get("score"),
            loudnessLUFS: try row.get("loudness_lufs"),
            encoder: try row.get("encoder"), thumbnailKey: try BlobKey.optional(row, "thumbnail_key"),
            reason: try row.get("reason"),
            quality: try row.json("quality", as: ClipQuality.self),
            presentation: try row.json("presentation", as: ClipPresentation.self) ?? ClipPresentation(),
            createdAt: try row.date("created_at")!)
        renditions = try row.json("renditions", as: [ClipRendition].self) ?? []
    }
}

extension TaskRecord {
    /// From a claim's row, where the task's columns are named `task_…` beside the job's.
    init(claimedRow row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.get("task_id"), jobId: try row.get("id"), kind: try row.enumValue("task_kind"),
            capability: try row.enumValue("task_capability"),
            fallback: try row.get("task_fallback", as: String?.self) == nil ? nil : try row.enumValue("task_fallback"),
            clipIndex: try row.get("task_clip_index"),
            attempts: try row.get("task_attempts"), maxAttempts: try row.get("task_max_attempts"))
    }

    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.get("id"), jobId: try row.get("job_id"), kind: try row.enumValue("kind"),
            capability: try row.enumValue("capability"),
            fallback: try row.get("fallback", as: String?.self) == nil ? nil : try row.enumValue("fallback"),
            clipIndex: try row.get("clip_index"), attempts: try row.get("attempts"),
            maxAttempts: try row.get("max_attempts"))
    }
}

extension TaskState {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            record: try TaskRecord(row: row), status: try row.enumValue("status"), progress: try row.get("progress"),
            leaseOwner: try row.get("lease_owner"))
    }
}
