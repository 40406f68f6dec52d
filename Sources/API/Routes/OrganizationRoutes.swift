import Accounts
import ClipGenCore
import Foundation
import Hummingbird
import Logging
import Persistence

/// `POST /v1/organizations` and `PUT /v1/organizations/{id}/region` for the operator:
/// `Authorization: Bearer <CLIPGEN_OPERATOR_TOKEN>`, not a user's token, since organisations sit
/// above every user.
struct OrganizationRoutes<Store: AccountStore & Residency> {
    let store: Store
    let operatorToken: OperatorToken
    let bcryptCost: Int
    /// The home region of an organisation made without one: this replica's.
    let region: String?
    let clock: WallClock

    struct NewOrganization: Decodable {
        var name: String
        var adminEmail: String
        var adminPassword: String?
        var homeRegion: String?
    }

    struct OrganizationResponse: ResponseEncodable {
        struct Body: Encodable {
            var id: OrganizationID
            var name: String
            var createdAt: Date
            var homeRegion: String?
        }
        var organization: Body
        var admin: UserResponse
        /// Only when it was generated; shown once.
        var adminPassword: String?
    }

    struct HomeRegion: Codable, ResponseEncodable {
        var homeRegion: String?
    }

    struct Placement: ResponseEncodable {
        var organizationId: OrganizationID
        var homeRegion: String?
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.post("organizations", use: create)
        router.put("organizations/{id}/region", use: setRegion)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Created<OrganizationResponse>
    {
        try operatorToken.require(request, for: "creating organisations (also: clipgen admin org create)")
        let new = try await request.decodeJSON(as: NewOrganization.self, context: context)
        let result = try await OrganizationProvisioning.create(
            name: new.name, adminEmail: new.adminEmail, adminPassword: new.adminPassword,
            homeRegion: new.homeRegion ?? region, store: store, bcryptCost: bcryptCost, clock: clock)
        context.logger.notice(
            "organization created", metadata: ["created.organization.id": "\(result.organization.id)"])
        return Created(
            location: nil,
            body: OrganizationResponse(
                organization: .init(
                    id: result.organization.id, name: result.organization.name,
                    createdAt: result.organization.createdAt, homeRegion: result.organization.homeRegion),
                admin: UserResponse(result.admin), adminPassword: result.generatedPassword))
    }

    /// Moves an organisation's home: work queued from now on runs in the new region (null: in any).
    @Sendable func setRegion(_ request: Request, context: AppRequestContext) async throws -> Placement {
        try operatorToken.require(request, for: "moving organisations between regions")
        let body = try await request.decodeJSON(as: HomeRegion.self, context: context)
        if let region = body.homeRegion, !RegionConfiguration.isName(region) {
            throw Problem.invalid([
                .init(field: "homeRegion", message: "must be 1 to 32 lowercase letters, digits and '-', or null")
            ])
        }
        guard let id = context.parameters.get("id", as: OrganizationID.self),
            try await store.setHomeRegion(body.homeRegion, organizationId: id)
        else {
            throw Problem.notFound("organization")
        }
        context.logger.notice(
            "organization moved", metadata: ["moved.organization.id": "\(id)", "region": "\(body.homeRegion ?? "-")"])
        return Placement(organizationId: id, homeRegion: body.homeRegion)
    }
}
