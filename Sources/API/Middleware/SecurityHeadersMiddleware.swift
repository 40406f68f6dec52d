import HTTPTypes
import Hummingbird

/// Headers every answer carries, problems included: no sniffing of types, no framing, no
/// referrer, nothing to run in a browser, and no caching of API answers unless a route says
/// otherwise (clip files and thumbnails do).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var fields: HTTPFields {
        [
            .xContentTypeOptions: "nosniff",
            .frameOptions: "DENY",
            .referrerPolicy: "no-referrer",
            .contentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'",
            .crossOriginOpenerPolicy: "same-origin",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            var response = try await next(request, context)
            Self.add(to: &response.headers)
            return response
        } catch var problem as Problem {
            Self.add(to: &problem.headers)
            throw problem
        }
    }

    static func add(to headers: inout HTTPFields) {
        for field in fields where headers[field.name] == nil { headers[field.name] = field.value }
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }
}
