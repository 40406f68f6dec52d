import ClipGenCore
import Crypto
import Foundation
import Hummingbird

/// The web app: `GET /` (the page) and `GET /app/{file}` (its ES modules and style sheet),
/// compiled into the binary from `Sources/WebApp/Web`, so `clipgen serve` needs no files beside it.
/// The page runs under a Content-Security-Policy that allows only its own scripts and the API.
public struct WebRoutes: Sendable {
    struct Asset: Sendable {
        var body: [UInt8]
        var contentType: String
        var etag: String

        init(_ body: [UInt8], _ contentType: String) {
            self.body = body
            self.contentType = contentType
            etag = "\"" + Hex.string(SHA256.hash(data: body).prefix(12)) + "\""
        }
    }

    static let assets: [String: Asset] = [
        "index.html": Asset(PackageResources.index_html, "text/html; charset=utf-8"),
        "app.css": Asset(PackageResources.app_css, "text/css; charset=utf-8"),
        "app.js": Asset(PackageResources.app_js, "text/javascript; charset=utf-8"),
        "api.js": Asset(PackageResources.api_js, "text/javascript; charset=utf-8"),
        "dom.js": Asset(PackageResources.dom_js, "text/javascript; charset=utf-8"),
        "timeline.js": Asset(PackageResources.timeline_js, "text/javascript; charset=utf-8"),
        "views.js": Asset(PackageResources.views_js, "text/javascript; charset=utf-8"),
        "batches.js": Asset(PackageResources.batches_js, "text/javascript; charset=utf-8"),
    ]

    /// `connect-src 'self'` covers the app's own event socket (CSP 3); `ws:` would allow sockets to any host.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    public init() {}

    public func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/", use: page)
        router.get("app/{file}", use: file)
    }

    @Sendable func page(_ request: Request, context: some RequestContext) throws -> Response {
        try Self.serve("index.html", request)
    }

    @Sendable func file(_ request: Request, context: some RequestContext) throws -> Response {
        try Self.serve(context.parameters.get("file") ?? "", request)
    }

    static func serve(_ name: String, _ request: Request) throws -> Response {
        guard let asset = assets[name], name != "index.html" || request.uri.path == "/" else {
            throw HTTPError(.notFound, message: "no such file in the web app")
        }
        // Revalidated on each load (a new release changes the tags), answered 304 when unchanged.
        var headers: HTTPFields = [
            .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
            .contentSecurityPolicy: contentSecurityPolicy,
        ]
        if EntityTag.matchesNoneOf(request.headers[values: .ifNoneMatch], etag: asset.etag) == false {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(asset.body.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.body)))
    }
}
