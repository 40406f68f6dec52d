/// One problem with one field of a request, in the shape RFC 9457 `errors` entries take.
public struct FieldError: Codable, Sendable, Equatable {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}
