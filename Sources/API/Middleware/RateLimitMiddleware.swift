import BlobStorage
import ClipGenCore
import Coordination
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Token buckets per client address (before authentication) or per user or API key (after it):
/// `perMinute` requests a minute, in bursts of up to a sixth of that (ten seconds' worth). Every
/// answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; a refusal is
/// `429` problem+json with `Retry-After`. Buckets are shared through Redis when configured.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    enum Scope: Sendable {
        case address(trustedProxies: Set<String>)
        case principal

        var name: String {
            switch self {
            case .address: "address"
            case .principal: "principal"
            }
        }
    }

    let buckets: any TokenBuckets
    let perMinute: Int
    let scope: Scope
    let metrics: APIMetrics

    var capacity: Int { max(1, perMinute / 6) }

    /// Before authentication: per client address.
    static func perAddress(
        _ configuration: APIConfiguration, _ dependencies: APIDependencies<some APIStore, some BlobStore>
    ) -> Self {
        Self(
            buckets: dependencies.shared.buckets, perMinute: configuration.rateLimits.perAddressPerMinute,
            scope: .address(trustedProxies: configuration.http.trustedProxies), metrics: dependencies.metrics.api)
    }

    /// After authentication: per user or API key.
    static func perPrincipal(
        _ configuration: APIConfiguration, _ dependencies: APIDependencies<some APIStore, some BlobStore>
    ) -> Self {
        Self(
            buckets: dependencies.shared.buckets, perMinute: configuration.rateLimits.perMinute, scope: .principal,
            metrics: dependencies.metrics.api)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard perMinute > 0, let key = key(request, context) else { return try await next(request, context) }
        let decision = try await buckets.take(key, capacity: capacity, interval: .seconds(60) / perMinute)
        guard decision.allowed else {
            context.logger.notice("rate limited", metadata: ["ratelimit.scope": "\(key.prefix { $0 != ":" })"])
            metrics.rateLimited(scope.name)
            var problem = Problem(
                status: .tooManyRequests,
                detail: "too many requests; slow down and retry after the time Retry-After gives")
            problem.headers = headers(decision)
            problem.headers[.retryAfter] = String(Self.seconds(decision.retryAfter))
            throw problem
        }
        do {
            var response = try await next(request, context)
            Self.add(headers(decision), to: &response.headers)
            return response
        } catch var problem as Problem {
            Self.add(headers(decision), to: &problem.headers)
            throw problem
        }
    }

    private func key(_ request: Request, _ context: Context) -> String? {
        switch scope {
        case .address(let proxies):
            return context.clientAddress(of: request, trusting: proxies).map { "ip:" + $0 }
        case .principal:
            guard let principal = context.principal else { return nil }
            return principal.apiKeyId.map { "key:" + $0 } ?? "user:\(principal.userId)"
        }
    }

    /// The per-user limit runs inside the per-address one, so its figures are set first and kept.
    private static func add(_ fields: HTTPFields, to headers: inout HTTPFields) {
        for field in fields where headers[field.name] == nil { headers[field.name] = field.value }
    }

    private func headers(_ decision: BucketDecision) -> HTTPFields {
        [
            .rateLimitLimit: String(capacity),
            .rateLimitRemaining: String(decision.remaining),
            .rateLimitReset: String(Self.seconds(decision.resetAfter)),
            .rateLimitPolicy: "\(perMinute);w=60;burst=\(capacity)",
        ]
    }

    /// Whole seconds, rounded up: waiting less would be refused again.
    static func seconds(_ duration: Duration) -> Int64 {
        let microseconds = duration.microseconds
        return max(0, (microseconds + 999_999) / 1_000_000)
    }
}
