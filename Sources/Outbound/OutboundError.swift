/// Why an outbound request was not made or did not succeed, in words a user can act on. The
/// address a name resolved to is named only as "not public", never shown.
public enum OutboundError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case invalidNetwork(String)
    case unresolvable(host: String)
    case forbiddenAddress(host: String)
    case timedOut
    case connectionFailed(String)
    case tooLarge(limit: Int64)
    case tooManyRedirects

    public var description: String {
        switch self {
        case .invalidURL(let reason): "the URL cannot be used: \(reason)"
        case .invalidNetwork(let entry):
            "'\(entry)' is not an address range like 10.0.0.0/8 (CLIPGEN_ALLOW_PRIVATE_NETWORKS)"
        case .unresolvable(let host): "the name \(host) does not resolve"
        case .forbiddenAddress(let host):
            """
            \(host) is not a public address; ClipGen connects only to public addresses unless the operator allows \
            a network
            """
        case .timedOut: "the remote server did not answer in time"
        case .connectionFailed(let reason): "the connection failed: \(reason)"
        case .tooLarge(let limit): "the remote file is larger than the limit of \(limit) bytes"
        case .tooManyRedirects: "too many redirects"
        }
    }
}
