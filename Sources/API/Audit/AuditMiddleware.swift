import ClipGenCore
import Coordination
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Persistence

/// Writes an audit entry for every change (any method but GET, HEAD, OPTIONS), every refused
/// request (401, 403, 429) and the first use of an API key in a minute: who (user, key,
/// organisation), what (method and route template), which object (the route's id or the
/// created one's `Location`), the outcome and status, the client address and the request id.
/// A failure to write is logged, never turned into the request's failure.
///
/// Refusals that cost a client nothing to cause are sampled, not written one by one: those of
/// clients tied to no account (one entry per address and status a minute) and rate-limit
/// refusals (one per caller a minute). Every refusal is still counted in `audit_events_total`;
/// those left out also in `audit_events_sampled_out_total`. A flood cannot grow the table.
struct AuditMiddleware<Store: AuditLog>: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: Store
    let trustedProxies: Set<String>
    let clock: WallClock
    let metrics: APIMetrics
    /// Where the sampling counts (Redis across replicas).
    let counters: any SharedCounters

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            let response = try await next(request, context)
            await record(request, context, status: Int(response.status.code), location: response.headers[.location])
            return response
        } catch let error as any HTTPResponseError {
            await record(request, context, status: Int(error.status.code), location: nil)
            throw error
        } catch {
            await record(request, context, status: 500, location: nil)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, location: String?) async {
        let facts = context.audit.current
        let changes = ![.get, .head, .options].contains(request.method)
        let refused = [401, 403, 429].contains(status)
        // A 503 changed nothing, and while the database is down the entry could not be written anyway.
        guard changes || refused || facts.keyUsed, status != 503 else { return }
        let address = context.clientAddress(of: request, trusting: trustedProxies)
        if refused, let sample = Self.samplingKey(facts, address: address, status: status) {
            let seen = (try? await counters.increment(sample, by: 1, window: .seconds(60))) ?? 1
            if seen > 1 {
                metrics.audited(Self.outcome(status))
                metrics.auditSampledOut(Self.outcome(status))
                return
            }
        }
        let route = context.endpointPath ?? request.uri.path
        let target = Self.target(
            route: route, parameters: context.parameters.get("id"), location: location, status: status)
        let event = AuditEvent(
            organizationId: facts.organizationId, actorUserId: facts.userId, actorAPIKeyId: facts.apiKeyId,
            action: changes || refused ? "\(request.method) \(route)" : "apikey.use", target: target,
            outcome: Self.outcome(status), status: status,
            address: address,
            requestId: context.logger[metadataKey: "hb.request.id"].map { "\($0)" }, at: clock.now())
        metrics.audited(event.outcome)
        // Each entry is also a line of its own log stream (`"stream":"audit"`), shipped apart.
        context.logger.info(
            "audit",
            metadata: [
                "stream": "audit", "audit.action": "\(event.action)", "audit.outcome": "\(event.outcome)",
                "http.status": "\(status)",
                "audit.target": "\(event.target ?? "")",
                "organization.id": "\(event.organizationId.map { "\($0)" } ?? "")",
                "user.id": "\(event.actorUserId.map { "\($0)" } ?? "")",
                "apikey.id": "\(event.actorAPIKeyId.map { "\($0)" } ?? "")",
                "client.address": "\(event.address ?? "")",
            ])
        do {
            try await store.recordAudit(event)
        } catch {
            context.logger.warning(
                "the audit entry could not be written",
                metadata: ["audit.action": "\(event.action)", "error": "\(error)"])
        }
    }

    /// What a sampled refusal is counted under: nil for refusals recorded one by one (a known
    /// caller denied something, or refused a change).
    static func samplingKey(_ facts: AuditTrail.Facts, address: String?, status: Int) -> String? {
        if facts.organizationId == nil {
            return "audit:anonymous:\(address.map(ClientAddress.limitKey) ?? "unknown"):\(status)"
        }
        guard status == 429, let user = facts.userId else { return nil }
        return "audit:limited:" + (facts.apiKeyId.map { "key:" + $0 } ?? "user:\(user)")
    }

    /// `job:<id>` from `/v1/jobs/{id}…`, or from the `Location` of what was created.
    static func target(route: String, parameters id: String?, location: String?, status: Int) -> String? {
        let path = id != nil ? route : ((200..<300).contains(status) ? location : nil)
        guard let path else { return nil }
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "v1" else { return nil }
        let kind = parts[1].hasSuffix("s") ? String(parts[1].dropLast()) : parts[1]
        return "\(kind):\(id ?? parts[2])"
    }

    static func outcome(_ status: Int) -> String {
        switch status {
        case 200..<400: "success"
        case 401: "unauthenticated"
        case 403: "denied"
        case 429: "limited"
        case 400..<500: "rejected"
        default: "error"
        }
    }
}
