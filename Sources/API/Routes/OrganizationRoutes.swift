import Accounts
import ClipGenCore
import Foundation
import Hummingbird
import Logging
import Persistence

/// `POST /v1/organizations` for the operator: `Authorization: Bearer <CLIPGEN_OPERATOR_TOKEN>`,
/// not a user's token, since organisations sit above every user.
struct OrganizationRoutes<Store: AccountStore> {
    let store: Store
    let operatorToken: OperatorToken
    let bcryptCost: Int
    let clock: WallClock

    struct NewOrganization: Decodable {
        var name: String
        var adminEmail: String
        var adminPassword: String?
    }

    struct OrganizationResponse: ResponseEncodable {
        struct Body: Encodable {
            var id: OrganizationID
            var name: String
            var createdAt: Date
        }
        var organization: Body
        var admin: UserResponse
        /// Only when it was generated; shown once.
        var adminPassword: String?
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.post("organizations", use: create)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Created<OrganizationResponse>
    {
        try operatorToken.require(request, for: "creating organisations (also: clipgen admin org create)")
        let new = try await request.decodeJSON(as: NewOrganization.self, context: context)
        let result = try await OrganizationProvisioning.create(
            name: new.name, adminEmail: new.adminEmail, adminPassword: new.adminPassword,
            store: store, bcryptCost: bcryptCost, clock: clock)
        context.logger.notice(
            "organization created", metadata: ["created.organization.id": "\(result.organization.id)"])
        return Created(
            location: nil,
            body: OrganizationResponse(
                organization: .init(
                    id: result.organization.id, name: result.organization.name, createdAt: result.organization.createdAt
                ),
                admin: UserResponse(result.admin), adminPassword: result.generatedPassword))
    }
}
