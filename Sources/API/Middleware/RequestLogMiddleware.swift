import Hummingbird
import Logging
import HummingbirdCore

/// A debug line per request and its status, with the query's `access_token` (WebSocket routes
/// accept one) replaced, so tokens never reach a log.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let target = Self.redacted(request.uri)
        do {
            let response = try await next(request, context)
            context.logger.debug("request", metadata: ["hb.request.method": "\(request.method)", "hb.request.path": "\(target)",
                                                       "hb.response.status": "\(response.status.code)"])
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            context.logger.debug("request", metadata: ["hb.request.method": "\(request.method)", "hb.request.path": "\(target)",
                                                       "hb.response.status": "\(status)"])
            throw error
        }
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
