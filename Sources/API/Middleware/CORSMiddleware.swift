import HTTPTypes
import Hummingbird

/// CORS for the origins in `CLIPGEN_CORS_ORIGINS` only (none by default: browsers on other
/// sites cannot call the API). Answers preflights itself; credentials travel in the
/// `Authorization` header, never cookies, so `Allow-Credentials` is not sent.
struct CORSAllowListMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>

    static var allowedHeaders: String {
        "Authorization, Content-Type, Idempotency-Key, X-Filename, X-Request-Id, Range, If-None-Match, If-Range"
    }
    static var exposedHeaders: String {
        """
        Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, \
        X-Request-Id, Content-Range, ETag, Content-Disposition, X-ClipGen-Region, X-ClipGen-Home-Region
        """
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin, .vary: "Origin",
                    .accessControlAllowMethods: "GET, POST, PATCH, DELETE, OPTIONS",
                    .accessControlAllowHeaders: Self.allowedHeaders,
                    .accessControlMaxAge: "600",
                ])
        }
        do {
            var response = try await next(request, context)
            add(origin, to: &response.headers)
            return response
        } catch var problem as Problem {
            add(origin, to: &problem.headers)
            throw problem
        }
    }

    private func add(_ origin: String, to headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlExposeHeaders] = Self.exposedHeaders
        headers[.vary] = "Origin"
    }
}
