import BlobStorage
import ClipGenCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Persistence

/// `/v1/presets`: the organisation's named job settings, kept beside its files
/// (`presets/{organisation}/{name}.json`) as their author wrote them. Anyone who may create jobs
/// may save one; a job names it with `"preset"`.
struct PresetRoutes<Blobs: BlobStore> {
    let blobs: Blobs
    let clock: WallClock

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("presets", use: list)
        router.get("presets/{name}", use: show)
        router.put("presets/{name}", use: save)
        router.delete("presets/{name}", use: remove)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        var items: [Any] = []
        for name in try await blobs.presetNames(for: principal.organizationId) {
            if let data = try await blobs.preset(named: name, for: principal.organizationId),
                let preset = try? JSONSerialization.jsonObject(with: data)
            {
                items.append(preset)
            }
        }
        return try Self.json(["items": items])
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        guard let name = context.parameters.get("name"),
            let data = try await blobs.preset(named: name, for: principal.organizationId)
        else { throw Problem.notFound("preset") }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Creates or replaces the preset: `{"description"?, "settings": {…job fields…}}`, checked
    /// as a job would be, so a job that names it fails only on what it adds itself.
    @Sendable func save(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.write)
        let name = context.parameters.get("name") ?? ""
        guard JobPreset.isValidName(name) else {
            throw Problem.invalid([.init(field: "name", message: "1 to 64 of a-z, 0-9, '-' and '_'")])
        }
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else {
            throw Problem(status: .badRequest, title: "Malformed JSON", detail: "the body is not a JSON object")
        }
        var errors: [FieldError] = []
        let settings = object["settings"] as? [String: Any] ?? [:]
        if object["settings"] != nil && object["settings"] as? [String: Any] == nil {
            errors.append(.init(field: "settings", message: "must be an object of job fields"))
        }
        for key in object.keys where !["settings", "description"].contains(key) {
            errors.append(.init(field: key, message: "a preset has a description and settings only"))
        }
        let description = object["description"] as? String
        if object["description"] != nil && (description == nil || description!.utf8.count > 500) {
            errors.append(.init(field: "description", message: "must be text of at most 500 bytes"))
        }
        for key in settings.keys.sorted() where !JobPreset.settingKeys.contains(key) {
            errors.append(.init(field: "settings.\(key)", message: "not a setting a preset can hold"))
        }
        errors += try Self.problems(with: settings.filter { JobPreset.settingKeys.contains($0.key) })
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        var preset: [String: Any] = [
            "name": name, "settings": settings, "updatedAt": ISO8601DateFormatter().string(from: clock.now()),
        ]
        preset["description"] = description
        let data = try JSONSerialization.data(withJSONObject: preset, options: [.sortedKeys])
        try await blobs.savePreset(data, named: name, for: principal.organizationId)
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    @Sendable func remove(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let principal = try context.require(.write)
        guard let name = context.parameters.get("name"),
            try await blobs.deletePreset(named: name, for: principal.organizationId)
        else { throw Problem.notFound("preset") }
        return .noContent
    }

    /// What a job of these settings would be refused for, the clips it must still give aside.
    static func problems(with settings: [String: Any]) throws -> [FieldError] {
        let stand: [String: Any] = [
            "source": ["uploadId": "00000000-0000-0000-0000-000000000000"], "clips": [["start": 0, "end": 1]],
        ]
        let job: JobRequest
        do {
            job = try JSONDecoder().decode(
                JobRequest.self,
                from: JSONSerialization.data(withJSONObject: JobPreset.merge(stand, under: settings)))
        } catch let error as DecodingError {
            return [
                .init(
                    field: "settings." + ProblemMiddleware<AppRequestContext>.path(of: error),
                    message: ProblemMiddleware<AppRequestContext>.describe(error))
            ]
        }
        return job.validate().filter { !$0.field.hasPrefix("clips") }.map {
            FieldError(field: "settings." + $0.field, message: $0.message)
        }
    }

    /// A job's body with the preset it names laid under it; the body as it is when it names none.
    static func jobRequest(from body: ByteBuffer, blobs: Blobs, organization: OrganizationID) async throws
        -> JobRequest
    {
        let data = Data(body.readableBytesView)
        // Decoded once as it is; only a job that names a preset is read again, merged.
        let request = try JSONDecoder().decode(JobRequest.self, from: data)
        guard let name = request.preset,
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return request }
        let merged = try await settings(named: name, under: object, blobs: blobs, organization: organization)
        return try JSONDecoder().decode(JobRequest.self, from: JSONSerialization.data(withJSONObject: merged))
    }

    /// The preset's settings with `fields` laid over them; `422` on `preset` when there is none of that name.
    static func settings(
        named name: String, under fields: [String: Any], blobs: Blobs, organization: OrganizationID
    ) async throws -> [String: Any] {
        guard let stored = try await blobs.preset(named: name, for: organization),
            let preset = try JSONSerialization.jsonObject(with: stored) as? [String: Any]
        else {
            throw Problem.invalid([
                .init(
                    field: "preset", message: "this organisation has no preset of that name; GET /v1/presets lists them"
                )
            ])
        }
        return JobPreset.merge(preset["settings"] as? [String: Any] ?? [:], under: fields)
    }

    static func json(_ object: [String: Any]) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(
                byteBuffer: ByteBuffer(
                    bytes: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))))
    }
}
