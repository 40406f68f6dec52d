/// What went wrong talking to Redis. None of these carries the password or the URL's secrets.
public enum RedisError: Error, Equatable, CustomStringConvertible {
    /// No connection could be made or kept; ClipGen carries on without Redis where it can.
    case unavailable(String)
    /// Redis answered a command with an error reply.
    case reply(String)
    /// Bytes that are not RESP: a server that is not Redis, or a bug.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "Redis is unavailable: \(reason)"
        case .reply(let message): "Redis refused a command: \(message)"
        case .protocolViolation(let detail): "Redis sent something that is not RESP (\(detail))"
        }
    }
}
