import HTTPTypes
import Hummingbird

/// `X-ClipGen-Region` on every answer, problems included, when this replica has a region: which
/// region served a request (behind one global name, or after a redirect) is plain to see.
struct RegionHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    let region: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            var response = try await next(request, context)
            response.headers[.clipGenRegion] = region
            return response
        } catch var problem as Problem {
            problem.headers[.clipGenRegion] = region
            throw problem
        }
    }
}
