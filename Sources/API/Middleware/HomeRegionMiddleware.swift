import ClipGenCore
import Foundation
import HTTPTypes
import Hummingbird
import Persistence

/// Sends a write for an organisation homed in another region there: `307 Temporary Redirect` to
/// that region's base URL with the same path and query, so the client repeats the same method
/// and body. Reads are served here from the local replicas. The write is served here instead
/// when the home region has no live worker for the takeover time (it is lost, or failed over)
/// or has no URL configured. Nothing happens without a region (one-region deployments).
struct HomeRegionMiddleware<Store: Residency & WorkerRegistry>: RouterMiddleware {
    typealias Context = AppRequestContext
    let region: String?
    let urls: [String: URL]
    let directory: RegionDirectory<Store>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let region, !urls.isEmpty, !Self.isRead(request.method), let principal = context.principal,
            let home = try await directory.homeRegion(of: principal.organizationId), home != region,
            let base = urls[home], try await directory.liveRegions().contains(home)
        else {
            return try await next(request, context)
        }
        var location = base.absoluteString
        while location.hasSuffix("/") { location.removeLast() }
        return Response(
            status: .temporaryRedirect,
            headers: [.location: location + request.uri.description, .clipGenHomeRegion: home])
    }

    static func isRead(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }
}
