/// Something the API relies on, as `/readyz` names it: `database` (sqlite, postgresql),
/// `blobStore` (local, s3), `eventBus` and `cache` (in-process, redis). Essential ones make the
/// replica unready when down; the others make it degraded.
public struct Dependency: Sendable {
    public var name: String
    public var kind: String
    public var essential: Bool
    public var isUp: @Sendable () async -> Bool

    public init(name: String, kind: String, essential: Bool, isUp: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.kind = kind
        self.essential = essential
        self.isUp = isUp
    }
}
