import ServiceLifecycle

/// A `JobStore` with a lifecycle, as the process runs it. `prepare()` brings the schema up to
/// date before the first query (before the HTTP server accepts a request, before a worker
/// claims); `run()` holds the connections for as long as the process serves and closes them once
/// graceful shutdown reaches it. The store is listed first among a process's services, so it is
/// the last to stop: the server, the event relay and the workers drain against an open store.
/// (A PostgreSQL client serves queries only while its `run()` is active, which is why the store
/// is a `Service` and not opened in `init`.)
public protocol JobStoreBackend: JobStore, Service {
    /// Idempotent; several processes may prepare one database at once.
    func prepare() async throws
}
