import Foundation

/// Identifiers are lowercase UUID strings: opaque to clients, sortable only by creation time
/// through the rows' `createdAt`.
public enum Identifier {
    public static func make() -> String { UUID().uuidString.lowercased() }

    /// True for strings that could be an identifier we issued; lets routes answer 404 without a query.
    public static func isWellFormed(_ value: String) -> Bool { UUID(uuidString: value) != nil }
}

/// The identifier of one kind of record. On the wire and in the database it is the plain string;
/// in code a job's id cannot be passed where an organisation's is expected (the store's reads
/// take both, side by side).
public struct ID<Entity>: Hashable, Comparable, Sendable, Codable, LosslessStringConvertible {
    public let rawValue: String

    /// An id as stored; not checked.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A new identifier.
    public static func make() -> ID { ID(rawValue: Identifier.make()) }

    /// The id in a client's text (a path segment), when it could be one we issued: anything else
    /// is answered 404 without a query.
    public init?(_ text: String) {
        guard Identifier.isWellFormed(text) else { return nil }
        self.init(rawValue: text)
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: ID, rhs: ID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}

public typealias OrganizationID = ID<Organization>
public typealias APIKeyID = ID<APIKey>
public typealias UserID = ID<User>
public typealias UploadID = ID<Upload>
public typealias JobID = ID<Job>
public typealias ClipID = ID<Clip>
public typealias TaskID = ID<TaskRecord>
