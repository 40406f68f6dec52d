import Hummingbird
import Synchronization

/// How many requests not (yet) tied to an account may be under way at once: a sign-in body
/// read slowly, a page of the web app to a client that reads slowly. Past `capacity` a request
/// without credentials, and every sign-in, is answered 503 at once, so clients without an account
/// cannot hold more than this share of the server; a request with credentials leaves the share as
/// soon as `AuthMiddleware` knows who sent it.
final class AnonymousRequests: Sendable {
    let capacity: Int
    private let count = Mutex(0)

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var current: Int { count.withLock { $0 } }

    fileprivate func enter() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }
    fileprivate func leave() { count.withLock { $0 -= 1 } }

    static func full() -> Problem {
        Problem.retryLater(
            .serviceUnavailable, after: 5,
            "the server is busy with requests from clients that are not signed in; try again shortly")
    }
}

/// One request's place in `AnonymousRequests`, held until it is authenticated or ends.
public final class AnonymousSlot: Sendable {
    private let held = Mutex<(requests: AnonymousRequests?, position: Int)>((nil, 0))

    public init() {}

    fileprivate func take(_ requests: AnonymousRequests) -> Int {
        let position = requests.enter()
        held.withLock { $0 = (requests, position) }
        return position
    }

    /// The request turned out to be from someone with an account (or is over).
    func release() {
        held.withLock { held in
            held.requests?.leave()
            held.requests = nil
        }
    }

    /// Throws 503 when the share was already full as this request came in: for routes that read
    /// a body before anyone is authenticated, whatever headers the request carried.
    func requireRoom() throws {
        let (requests, position) = held.withLock { ($0.requests, $0.position) }
        if let requests, position > requests.capacity { throw AnonymousRequests.full() }
    }
}

/// Takes each request's place in the share; refuses, when it is full, the requests that carry
/// no credentials (those that do are authenticated, or refused, at once).
/// Health and metrics answer at once with a few bytes, and probes must reach them under attack:
/// they take no place.
struct AnonymousShareMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let requests: AnonymousRequests
    static let exempt: Set<String> = ["/healthz", "/readyz", "/metrics"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if Self.exempt.contains(context.endpointPath ?? "") { return try await next(request, context) }
        let position = context.anonymous.take(requests)
        defer { context.anonymous.release() }
        let credentials = request.headers[.authorization] != nil || request.uri.queryParameters["access_token"] != nil
        if position > requests.capacity, !credentials { throw AnonymousRequests.full() }
        return try await next(request, context)
    }
}
