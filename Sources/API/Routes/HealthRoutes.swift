import BlobStorage
import ClipGenCore
import CoreMetrics
import Foundation
import Hummingbird
import Logging
import NIOCore
import Persistence

/// `/healthz`: the process answers. `/readyz`: each dependency by name, kind and state; `503`
/// when one the API cannot work without is down, `200` and `degraded` when only a helper is
/// (Redis: events then stay in this replica, the cache and counters in this process).
struct HealthRoutes<
    Store: JobRepository & TaskQueue & ReportQueries & WorkerRegistry & ReplicationStatus, Blobs: BlobStore
> {
    let store: Store
    let blobs: Blobs
    let metrics: MetricsEndpoint
    let dependencies: [Dependency]
    /// Required as a bearer token for `/metrics` when set; otherwise only loopback peers may read it.
    let metricsToken: String?
    let clock: WallClock

    struct Readiness: ResponseEncodable {
        struct State: Encodable {
            var kind: String
            var state: String
            var essential: Bool
        }
        var status: String
        var dependencies: [String: State]
        var queueSize: Int?
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("healthz") { _, _ in ["status": "ok"] }
        router.get("metrics", use: prometheusMetrics)
        router.get("readyz", use: readiness)
    }

    /// What `/readyz` checks: the configured dependencies, or the store and the blob store.
    private var checks: [Dependency] {
        dependencies.isEmpty
            ? [
                Dependency(name: "database", kind: "database", essential: true) { [store] in await store.isReachable()
                },
                Dependency(name: "blobStore", kind: "blob store", essential: true) { [blobs] in
                    await blobs.isReachable()
                },
            ] : dependencies
    }

    @Sendable func prometheusMetrics(_ request: Request, context: AppRequestContext) async throws -> Response {
        try authorizeMetrics(request, context)
        await metrics.api.sample(store, now: clock.now().timeIntervalSince1970)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }

    @Sendable func readiness(_ request: Request, context: AppRequestContext) async throws -> Response {
        let states = await withTaskGroup(of: (Dependency, Bool).self) { group in
            for check in checks { group.addTask { (check, await check.isUp()) } }
            return await group.reduce(into: [(Dependency, Bool)]()) { $0.append($1) }
        }
        let queue = try? await store.queueSize()
        let unavailable = queue == nil || states.contains { $0.0.essential && !$0.1 }
        let degraded = states.contains { !$0.1 }
        let readiness = Readiness(
            status: unavailable ? "unavailable" : degraded ? "degraded" : "ready",
            dependencies: Dictionary(
                uniqueKeysWithValues: states.map {
                    (
                        $0.0.name,
                        Readiness.State(kind: $0.0.kind, state: $0.1 ? "up" : "down", essential: $0.0.essential)
                    )
                }),
            queueSize: queue)
        var response = try readiness.response(from: request, context: context)
        response.status = unavailable ? .serviceUnavailable : .ok
        return response
    }

    /// Metrics name routes, queue sizes and error rates: useful to an attacker mapping the service.
    private func authorizeMetrics(_ request: Request, _ context: AppRequestContext) throws {
        if let metricsToken {
            guard request.carriesBearer(metricsToken) else {
                throw Problem.unauthorized("/metrics needs Authorization: Bearer <the configured metrics token>")
            }
        } else if let peer = context.peerAddress, !Self.isLoopback(peer) {
            throw Problem(
                status: .forbidden,
                detail:
                    """
                    /metrics is served to this machine only; configure CLIPGEN_METRICS_TOKEN to scrape it from \
                    elsewhere
                    """
            )
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}

extension Request {
    /// Whether `Authorization` is `Bearer <secret>`, compared in constant time: for the
    /// configured tokens (metrics, operator), which are not JWTs.
    func carriesBearer(_ secret: String) -> Bool {
        guard let given = headers[.authorization] else { return false }
        return Array(given.utf8).constantTimeEquals(Array("Bearer \(secret)".utf8))
    }
}
