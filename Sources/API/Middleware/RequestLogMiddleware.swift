import ClipGenCore
import Hummingbird
import HummingbirdCore
import Logging

/// The access log: one line per request (`"stream":"access"`) with method, route template, path,
/// status, body bytes, duration and client address, carrying the request id and, once
/// authenticated, the organisation and user. The query's `access_token` (WebSocket routes accept
/// one) is replaced, so tokens never reach a log.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(
                request, context, status: Int(response.status.code),
                bytes: response.body.contentLength ?? response.headers[.contentLength].flatMap { Int($0) },
                since: started)
            return response
        } catch {
            log(
                request, context, status: Int((error as? any HTTPResponseError)?.status.code ?? 500), bytes: nil,
                since: started)
            throw error
        }
    }

    private func log(
        _ request: Request, _ context: Context, status: Int, bytes: Int?, since started: ContinuousClock.Instant
    ) {
        // Who called is known only inside the auth middleware; the audit facts carry it back out.
        guard context.logger.logLevel <= .info else { return }
        let caller = context.audit.current
        var metadata: Logger.Metadata = [
            "stream": "access", "http.method": .string(request.method.rawValue),
            "http.route": .string(context.endpointPath ?? "unmatched"),
            "http.path": .string(Self.redacted(request.uri)), "http.status": .string(String(status)),
            "http.bytes": .string(bytes.map(String.init) ?? ""),
            "http.duration_ms": .string(String((ContinuousClock.now - started).milliseconds)),
            "client.address": .string(context.clientAddress(of: request, trusting: trustedProxies) ?? ""),
        ]
        if let organization = caller.organizationId { metadata["organization.id"] = .string(organization.rawValue) }
        if let user = caller.userId { metadata["user.id"] = .string(user.rawValue) }
        if let key = caller.apiKeyId { metadata["apikey.id"] = .string(key) }
        context.logger.info("request", metadata: metadata)
    }

    static func redacted(_ uri: URI) -> String {
        guard let query = uri.query, !query.isEmpty else { return uri.path }
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            let name = part.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return name.lowercased() == "access_token" ? "access_token=REDACTED" : String(part)
        }
        return uri.path + "?" + parts.joined(separator: "&")
    }
}
