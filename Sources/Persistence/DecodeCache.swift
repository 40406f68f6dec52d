import Foundation
import Synchronization

/// JSON columns as text, the same way in every SQL backend.
public enum JSONCoding {
    public static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
    public static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// Column lists the SQL stores share: both schemas name their columns alike.
public enum SQLColumns {
    /// Every job column but `source`, whose keyframe index only workers need.
    public static let jobSummary = """
        id, organization_id, owner_id, upload_id, status, stage, progress, error_code, error_message, request, attempts,
        created_at, started_at, finished_at, storyboard, highlights, source_info
        """
}

/// Decoded JSON columns by their text. A job's request, summary, storyboard and highlights never
/// change once written, and decoding them was a large part of every job read; equal text
/// decodes to an equal value, so the text is the key. Bounded: emptied when full.
public final class DecodeCache<Value: Decodable & Sendable>: Sendable {
    private let values = Mutex<[String: Value]>([:])
    private let capacity: Int

    public init(capacity: Int = 4096) { self.capacity = capacity }

    public func decode(_ text: String) throws -> Value {
        if let hit = values.withLock({ $0[text] }) { return hit }
        let value = try JSONCoding.decode(Value.self, text)
        values.withLock { values in
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[text] = value
        }
        return value
    }
}
