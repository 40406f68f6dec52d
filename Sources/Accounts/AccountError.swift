import ClipGenCore

/// What identity work refuses, in words a client can act on; the HTTP edge maps each to its
/// problem+json (`ProblemMiddleware`), the CLI prints it.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    /// Fields that cannot be used, each named with the reason.
    case invalid([FieldError])
    /// The caller already has as many password checks under way as it may.
    case callerBusy
    /// Every hashing slot and waiting place is taken.
    case busy

    public var description: String {
        switch self {
        case .invalid(let errors): errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        case .callerBusy: "another password check of yours is under way; wait for it"
        case .busy: "too many sign-ins at once; try again in a moment"
        }
    }
}
