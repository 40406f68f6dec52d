import ServiceLifecycle

/// A `BlobStore` with a lifecycle: `prepare()` before the first request (the local store makes
/// its root and sweeps temp files of dead processes; a remote one would check its bucket), and
/// `run()` for as long as the process serves, releasing connections when graceful shutdown
/// reaches it. Listed among the first services, it stops after everything that uses it.
public protocol BlobStoreBackend: BlobStore, Service {
    func prepare() async throws
}
