import Accounts
import ClipGenCore
import Coordination
import Delivery
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Persistence

/// `GET /v1/jobs/{id}/events` and `GET /v1/events` as WebSockets, fed by the event bus (Redis
/// across replicas), scoped to the caller's organisation. A job's socket first gets the job as it
/// is now, and closes after its terminal status. A client that stops reading is disconnected once
/// a message has waited `writeTimeout`: the bus's per-subscriber buffer is bounded, and so is
/// what the socket holds. A socket lives only as long as its credentials: it is closed (1008) when
/// its token expires, its user is disabled or changes password, or its key is revoked, checked
/// every `recheck` and at once when this replica makes such a change (`revocations`). Each user
/// or key holds at most `socketsPerCaller` sockets.
struct EventRoutes<Store: AccountStore & JobRepository> {
    let store: Store
    let events: (any EventBus)?
    let tokens: TokenService
    let clock: WallClock
    let writeTimeout: Duration
    let revocations: Notifier
    let recheck: Duration
    let sockets: SocketCounts

    struct SlowReader: Error {}

    /// Browsers cannot set headers on a WebSocket: these routes also take `?access_token=`.
    var auth: AuthMiddleware<Store> {
        AuthMiddleware(store: store, tokens: tokens, clock: clock, acceptsQueryToken: true)
    }

    /// The upgrade routes, on the router the WebSocket channel consults. A refusal is a problem
    /// (401, 404, 429, 503), answered as such by `WebSocketRefusalMiddleware`.
    func addWebSocketRoutes(to router: Router<AppRequestContext>, limit: RateLimitMiddleware) {
        let secured = router.group("v1").add(middleware: auth).add(middleware: limit)
        secured.ws(
            "jobs/{id}/events",
            shouldUpgrade: { _, context in
                let principal = try context.require(.read)
                guard let id = context.parameters.get("id", as: JobID.self),
                    try await store.jobStatus(id: id, organizationId: principal.organizationId) != nil
                else { throw Problem.notFound("job") }
                try admit(principal)
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, ws in
                let context = ws.requestContext
                guard let principal = context.principal, let id = context.parameters.get("id", as: JobID.self) else {
                    return
                }
                try await held(by: principal) {
                    try await stream(
                        to: outbound, inbound: inbound, request: ws.request, context: context, job: id,
                        organization: principal.organizationId)
                }
            })
        secured.ws(
            "events",
            shouldUpgrade: { _, context in
                try admit(try context.require(.read))
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, ws in
                let context = ws.requestContext
                guard let principal = context.principal else { return }
                try await held(by: principal) {
                    try await stream(
                        to: outbound, inbound: inbound, request: ws.request, context: context, job: nil,
                        organization: principal.organizationId)
                }
            })
    }

    private func admit(_ principal: Principal) throws {
        guard events != nil else {
            throw Problem(
                status: .serviceUnavailable,
                detail: "job events are not available on this server; poll GET /v1/jobs/{id}")
        }
        guard sockets.reserve(principal) else {
            throw Problem.retryLater(
                .tooManyRequests, after: 5,
                "you have \(sockets.limit) event sockets open, the most one user or key may; close one first")
        }
    }

    private func held(by principal: Principal, _ body: () async throws -> Void) async throws {
        sockets.opened(principal)
        defer { sockets.closed(principal) }
        try await body()
    }

    /// The same paths over plain HTTP: what a client that did not ask to upgrade (or whose
    /// upgrade was refused) is told, with the usual 401/404 first.
    func addHTTPRoutes(to router: some RouterMethods<AppRequestContext>) {
        let secured = router.group("v1").add(middleware: auth)
        secured.get("jobs/{id}/events", use: jobEventsWithoutUpgrade)
        secured.get("events", use: eventsWithoutUpgrade)
    }

    @Sendable func jobEventsWithoutUpgrade(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        guard let id = context.parameters.get("id", as: JobID.self),
            try await store.jobStatus(id: id, organizationId: principal.organizationId) != nil
        else { throw Problem.notFound("job") }
        throw Self.upgradeRequired()
    }

    @Sendable func eventsWithoutUpgrade(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.read)
        throw Self.upgradeRequired()
    }

    static func upgradeRequired() -> Problem {
        var problem = Problem(
            status: .init(code: 426, reasonPhrase: "Upgrade Required"),
            detail: "this is a WebSocket: connect with Upgrade: websocket (or events are not available on this server)")
        problem.headers[.upgrade] = "websocket"
        return problem
    }

    private func stream(
        to outbound: WebSocketOutboundWriter, inbound: WebSocketInboundStream, request: Request,
        context: AppRequestContext,
        job: JobID?, organization: OrganizationID
    ) async throws {
        guard let events else { return }
        // Subscribed before the current state is read, so nothing falls between the two.
        let subscription = await events.subscribe(bufferLimit: 256) { event in
            event.organizationId == organization && (job == nil || event.jobId == job)
        }
        let encoder = context.responseEncoder
        let channel = context.channel
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Reading keeps pings answered and notices the client's close.
            group.addTask { for try await _ in inbound.messages(maxSize: 4096) {} }
            group.addTask {
                if let job {
                    guard let current = try await store.job(id: job, organizationId: organization) else { return }
                    let state = JobEvent(type: .status, job: current, at: clock.now())
                    try await send(EventMessage(state), encoder: encoder, outbound: outbound, channel: channel)
                    if current.status.isTerminal { return }
                }
                for await event in subscription {
                    try await send(EventMessage(event), encoder: encoder, outbound: outbound, channel: channel)
                    if job != nil, event.isTerminal { return }
                }
            }
            group.addTask {
                // The caller as at the upgrade, checked again: expired, disabled, a new password, a revoked key.
                while !Task.isCancelled {
                    let expiresIn =
                        context.principal?.expiresAt.map { Duration.seconds(max(0, $0.timeIntervalSince(clock.now()))) }
                        ?? recheck
                    await revocations.wait(timeout: min(recheck, expiresIn + .milliseconds(10)))
                    if Task.isCancelled { return }
                    do {
                        _ = try await auth.principal(for: request)
                    } catch let problem as Problem where [.unauthorized, .forbidden].contains(problem.status) {
                        context.logger.info("event socket closed: its credentials no longer hold")
                        try? await outbound.close(
                            .policyViolation, reason: "your sign-in expired or was revoked; sign in again")
                        return
                    } catch {
                        // The database could not say (down, or failing over): that is no reason to
                        // send the client to sign in again. Asked again at the next recheck.
                        context.logger.notice(
                            "event socket kept: its credentials could not be checked now",
                            metadata: ["error": "\(error)"])
                    }
                }
            }
            // Whichever ends first (the client left, the job is over, access ended) ends the socket.
            try await group.next()
            group.cancelAll()
        }
    }

    private func send(
        _ message: EventMessage, encoder: JSONEncoder, outbound: WebSocketOutboundWriter, channel: (any Channel)?
    ) async throws {
        let text = String(decoding: try encoder.encode(message), as: UTF8.self)
        let timeout = writeTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await outbound.write(.text(text)) }
            group.addTask {
                try await Task.sleep(for: timeout)
                // Closing fails the write that waits on a full socket; the reader is gone for us.
                channel?.close(mode: .all, promise: nil)
                throw SlowReader()
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
