import Logging
import ClipGenCore
import Foundation
import Hummingbird

/// Who is calling: set by `AuthMiddleware` on every authenticated route.
public struct Principal: Sendable {
    public var userId: UserID
    public var organizationId: OrganizationID
    public var email: String
    public var role: Role
}

public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// JSON bodies are small; uploads are streamed and limited separately.
    public var maxUploadSize: Int { 1 << 20 }

    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        // ISO 8601 UTC with milliseconds: jobs often take less than a second.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// The authenticated caller, having checked that their role allows `permission`.
    public func require(_ permission: Permission) throws -> Principal {
        guard let principal else { throw Problem.unauthorized("sign in first: send Authorization: Bearer <token>") }
        guard principal.role.allows(permission) else {
            throw Problem(status: .forbidden, title: "Forbidden", detail: "the \(principal.role.rawValue) role may not \(permission.rawValue)")
        }
        return principal
    }
}
