import Logging
import Foundation
import BlobStorage
import ClipGenCore
import CoreMetrics
import NIOCore
import Hummingbird
import Persistence

/// `/healthz`: the process answers. `/readyz`: the database, storage and queue answer too.
struct HealthRoutes<Store: JobRepository & TaskQueue, Blobs: BlobStore> {
    let store: Store
    let blobs: Blobs
    let metrics: MetricsEndpoint

    struct Readiness: ResponseEncodable {
        var status: String
        var database: Bool
        var storage: Bool
        var queueSize: Int?
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("healthz") { _, _ in ["status": "ok"] }
        router.get("metrics") { _, _ -> Response in
            if let queued = try? await store.queueSize() {
                Gauge(label: "queue_size", factory: metrics.factory).record(queued)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("readyz") { request, context -> Response in
            let database = await store.isReachable()
            let storage = await blobs.isReachable()
            let queue = try? await store.queueSize()
            let ready = database && storage && queue != nil
            var response = try Readiness(status: ready ? "ready" : "unavailable", database: database, storage: storage, queueSize: queue)
                .response(from: request, context: context)
            response.status = ready ? .ok : .serviceUnavailable
            return response
        }
    }
}
