import ClipGenCore
import Events
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Persistence

/// `GET /v1/jobs/{id}/events` and `GET /v1/events` as WebSockets, fed by the event bus (Redis
/// across replicas), scoped to the caller's organisation. A job's socket first gets the job as it
/// is now, and closes after its terminal status. A client that stops reading is disconnected once
/// a message has waited `writeTimeout`: the bus's per-subscriber buffer is bounded, and so is
/// what the socket holds.
struct EventRoutes<Store: AccountStore & JobRepository> {
    let store: Store
    let events: (any EventBus)?
    let tokens: TokenService
    let clock: WallClock
    let writeTimeout: Duration

    struct SlowReader: Error {}

    /// Browsers cannot set headers on a WebSocket: these routes also take `?access_token=`.
    var auth: AuthMiddleware<Store> { AuthMiddleware(store: store, tokens: tokens, clock: clock, acceptsQueryToken: true) }

    /// The upgrade routes, on the router the WebSocket channel consults.
    func addWebSocketRoutes(to router: Router<AppRequestContext>, limit: RateLimitMiddleware) {
        let secured = router.group("v1").add(middleware: auth).add(middleware: limit)
        secured.ws("jobs/{id}/events", shouldUpgrade: { _, context in
            let principal = try context.require(.read)
            guard events != nil, let id = context.parameters.get("id", as: JobID.self),
                  try await store.jobStatus(id: id, organizationId: principal.organizationId) != nil else { return .dontUpgrade }
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, ws in
            let context = ws.requestContext
            guard let principal = context.principal, let id = context.parameters.get("id", as: JobID.self) else { return }
            try await stream(to: outbound, inbound: inbound, context: context, job: id, organization: principal.organizationId)
        })
        secured.ws("events", shouldUpgrade: { _, context in
            _ = try context.require(.read)
            return events == nil ? .dontUpgrade : .upgrade([:])
        }, onUpgrade: { inbound, outbound, ws in
            let context = ws.requestContext
            guard let principal = context.principal else { return }
            try await stream(to: outbound, inbound: inbound, context: context, job: nil, organization: principal.organizationId)
        })
    }

    /// The same paths over plain HTTP: what a client that did not ask to upgrade (or whose
    /// upgrade was refused) is told, with the usual 401/404 first.
    func addHTTPRoutes(to router: some RouterMethods<AppRequestContext>) {
        let secured = router.group("v1").add(middleware: auth)
        secured.get("jobs/{id}/events") { _, context -> Response in
            let principal = try context.require(.read)
            guard let id = context.parameters.get("id", as: JobID.self),
                  try await store.jobStatus(id: id, organizationId: principal.organizationId) != nil else { throw Problem.notFound("job") }
            throw Self.upgradeRequired()
        }
        secured.get("events") { _, context -> Response in
            _ = try context.require(.read)
            throw Self.upgradeRequired()
        }
    }

    static func upgradeRequired() -> Problem {
        var problem = Problem(status: .init(code: 426, reasonPhrase: "Upgrade Required"),
                              detail: "this is a WebSocket: connect with Upgrade: websocket (or events are not available on this server)")
        problem.headers[.upgrade] = "websocket"
        return problem
    }

    private func stream(to outbound: WebSocketOutboundWriter, inbound: WebSocketInboundStream, context: AppRequestContext,
                        job: JobID?, organization: OrganizationID) async throws {
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
            // Whichever ends first (the client left, or the job is over) ends the socket.
            try await group.next()
            group.cancelAll()
        }
    }

    private func send(_ message: EventMessage, encoder: JSONEncoder, outbound: WebSocketOutboundWriter, channel: (any Channel)?) async throws {
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
