import ClipGenCore
import Hummingbird

/// Counts and times requests by method, route template and status (`http_requests_total`,
/// `http_request_duration_seconds`); errors count with the status their problem answer carries.
/// Paths that match no route count as `unmatched`, so scanners cannot grow the label set.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            count(request, context, Int(response.status.code), since: started)
            return response
        } catch let error as any HTTPResponseError {
            count(request, context, Int(error.status.code), since: started)
            throw error
        } catch {
            count(request, context, 500, since: started)
            throw error
        }
    }

    private func count(_ request: Request, _ context: Context, _ status: Int, since started: ContinuousClock.Instant) {
        metrics.request(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status,
            duration: ContinuousClock.now - started)
    }
}
