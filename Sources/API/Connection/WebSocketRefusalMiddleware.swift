import Hummingbird
import Logging
import NIOCore

/// The WebSocket router's refusals as answers: the WebSocket channel itself only knows "do not
/// upgrade" and writes a bare 400, so the problem (401, 404, 429, 503, with its headers and the
/// request id) is handed to the connection's `ConnectionGuardHandler`, which writes it instead.
struct WebSocketRefusalMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            if let channel = context.channel {
                var headers = problem.headers.map { ($0.name.canonicalName, $0.value) }
                headers.removeAll { $0.0.lowercased() == "x-request-id" }
                let answer = RawResponse.problem(
                    status: problem.status, detail: problem.detail, headers: headers,
                    requestId: context.logger[metadataKey: "hb.request.id"].map { "\($0)" })
                try? await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.handler(type: ConnectionGuardHandler.self).refusal = answer
                }.get()
            }
            throw problem
        }
    }
}
