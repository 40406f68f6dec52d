import ClipGenCore
import Synchronization

/// What the layers of one request learn about who is calling, for its audit entry: the auth
/// middleware names the principal, sign-in names the account tried, a key's first use in a
/// minute is marked. A reference, so what inner middleware learn reaches the outer one.
public final class AuditTrail: Sendable {
    struct Facts {
        var organizationId: OrganizationID?
        var userId: UserID?
        var apiKeyId: String?
        var keyUsed = false
    }

    let facts = Mutex(Facts())

    public init() {}

    func caller(organizationId: OrganizationID, userId: UserID, apiKeyId: String?) {
        facts.withLock {
            $0 = Facts(organizationId: organizationId, userId: userId, apiKeyId: apiKeyId, keyUsed: $0.keyUsed)
        }
    }

    func keyUsed() { facts.withLock { $0.keyUsed = true } }

    var current: Facts { facts.withLock { $0 } }
}
