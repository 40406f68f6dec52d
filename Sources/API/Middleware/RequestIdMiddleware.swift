import HTTPTypes
import Hummingbird
import Logging

/// Adopts the `X-Request-Id` a load balancer (or client) sent, when it is a plain token, as this
/// request's id in logs and problem bodies, and answers with the id either way: one id follows a
/// request from nginx's log through every replica's.
struct RequestIdMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { .requestId }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        if let incoming = request.headers[Self.header], Self.isToken(incoming) {
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        }
        let id = context.logger[metadataKey: "hb.request.id"].map { "\($0)" } ?? ""
        do {
            var response = try await next(request, context)
            response.headers[Self.header] = id
            return response
        } catch var problem as Problem {
            // Problems are rendered into responses after this; the id goes on through their headers.
            problem.headers[Self.header] = id
            throw problem
        }
    }

    /// 1–128 characters of letters, digits, `-`, `_` and `.`: nothing a log line or header can be split with.
    static func isToken(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F || byte == 0x2E
            }
    }
}
