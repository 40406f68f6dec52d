import ClipGenCore
import Foundation

/// One entry of the audit log: who did what to which object, when, from where, and how it ended.
public struct AuditEvent: Codable, Sendable, Equatable {
    /// Order among all entries; 0 until stored.
    public var sequence: Int64
    /// nil when the caller could not be tied to an organisation (a sign-in for an unknown email).
    public var organizationId: OrganizationID?
    public var actorUserId: UserID?
    public var actorAPIKeyId: String?
    /// What was asked, as `METHOD /route/{template}` or a named event (`apikey.use`).
    public var action: String
    /// The object, as `kind:id`, when there is one.
    public var target: String?
    /// `success`, `denied`, `unauthenticated`, `limited`, `rejected` or `error`.
    public var outcome: String
    public var status: Int
    public var address: String?
    public var requestId: String?
    public var at: Date

    public init(
        sequence: Int64 = 0, organizationId: OrganizationID?, actorUserId: UserID?, actorAPIKeyId: String?,
        action: String,
        target: String?, outcome: String, status: Int, address: String?, requestId: String?, at: Date
    ) {
        self.sequence = sequence
        self.organizationId = organizationId
        self.actorUserId = actorUserId
        self.actorAPIKeyId = actorAPIKeyId
        self.action = action
        self.target = target
        self.outcome = outcome
        self.status = status
        self.address = address
        self.requestId = requestId
        self.at = at
    }
}

/// What `GET /v1/audit` may narrow the log to.
public struct AuditFilter: Sendable, Equatable {
    public var actorUserId: UserID?
    public var outcome: String?
    /// Entries whose action starts with this (`POST /v1/jobs`, `DELETE`).
    public var actionPrefix: String?
    public var from: Date?
    public var to: Date?
    public init(
        actorUserId: UserID? = nil, outcome: String? = nil, actionPrefix: String? = nil, from: Date? = nil,
        to: Date? = nil
    ) {
        self.actorUserId = actorUserId
        self.outcome = outcome
        self.actionPrefix = actionPrefix
        self.from = from
        self.to = to
    }
}

/// The audit log: appended to by the API, read by admins of the organisation, newest first.
public protocol AuditLog: Sendable {
    func recordAudit(_ event: AuditEvent) async throws
    /// The organisation's entries matching `filter`, newest first; the cursor is opaque. nil: the
    /// service-wide entries, tied to no organisation (refusals of clients without an account),
    /// which only the operator reads.
    func auditEvents(
        organizationId: OrganizationID?, filter: AuditFilter, page: PageRequest
    ) async throws -> Page<AuditEvent>
}
