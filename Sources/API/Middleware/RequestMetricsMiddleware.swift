import ClipGenCore
import CoreMetrics
import Hummingbird

/// Counts requests by method and status class (`http_requests_total`); errors count with the
/// status their problem answer carries.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            count(request, response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            count(request, error.status.code)
            throw error
        } catch {
            count(request, 500)
            throw error
        }
    }

    private func count(_ request: Request, _ status: Int) {
        Counter(label: "http_requests_total", dimensions: [("method", request.method.rawValue), ("status", "\(status / 100)xx")],
                factory: factory).increment()
    }
}
