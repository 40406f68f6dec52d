import Foundation

/// Identifiers are lowercase UUID strings: opaque to clients, sortable only by creation time
/// through the rows' `createdAt`.
public enum Identifier {
    public static func make() -> String { UUID().uuidString.lowercased() }

    /// True for strings that could be an identifier we issued; lets routes answer 404 without a query.
    public static func isWellFormed(_ value: String) -> Bool { UUID(uuidString: value) != nil }
}
