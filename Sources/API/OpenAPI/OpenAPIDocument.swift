import Foundation

/// `GET /openapi.json`: the HTTP contract as OpenAPI 3.1, built here from small parts so each
/// route is one line of intent. Response schemas name what every answer carries; fields that
/// may be absent or null are left open rather than described wrongly. A test holds it against
/// the router (every route documented) and schemathesis against a live server.
enum OpenAPIDocument {
    typealias Object = [String: Any]

    static let json: Data = {
        (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
    }()

    // MARK: schema helpers

    static func ref(_ name: String) -> Object { ["$ref": "#/components/schemas/\(name)"] }
    static var string: Object { ["type": "string"] }
    static var integer: Object { ["type": "integer"] }
    static var number: Object { ["type": "number"] }
    static var boolean: Object { ["type": "boolean"] }
    static var id: Object { ["type": "string", "format": "uuid"] }
    static func object(_ properties: Object, required: [String] = []) -> Object {
        ["type": "object", "properties": properties, "required": required]
    }
    static func list(of item: String) -> Object {
        object(
            ["items": ["type": "array", "items": ref(item)], "nextCursor": ["type": ["string", "null"]]],
            required: ["items"])
    }
    static func enumeration(_ values: [String]) -> Object { ["type": "string", "enum": values] }
    static var role: Object { enumeration(["admin", "user", "viewer"]) }

    static var schemas: Object {
        [
            "Problem": object(
                [
                    "type": string, "title": string, "status": integer, "detail": string,
                    "errors": [
                        "type": "array",
                        "items": object(["field": string, "message": string], required: ["field", "message"]),
                    ],
                    "requestId": string,
                ], required: ["type", "title", "status", "detail"]),
            "Token": object(
                ["accessToken": string, "tokenType": string, "expiresIn": integer],
                required: ["accessToken", "tokenType", "expiresIn"]),
            "User": object(
                ["id": id, "email": string, "role": role, "organizationId": id, "disabled": boolean],
                required: ["id", "email", "role", "organizationId", "disabled"]),
            "Upload": object(
                ["id": id, "filename": string, "size": integer, "sha256": string, "createdAt": string],
                required: ["id", "filename", "size", "sha256", "createdAt"]),
            "Job": object(
                [
                    "id": id, "status": enumeration(["queued", "running", "succeeded", "failed", "cancelled"]),
                    "stage": enumeration(["import", "probe", "transcribe", "analyze", "render", "thumbnails", "done"]),
                    "progress": number,
                    "clips": ["type": "array", "items": ref("Clip")], "createdAt": string, "attempts": integer,
                    "batchId": id,
                ],
                required: ["id", "status", "stage", "progress", "clips", "createdAt", "attempts"]),
            "BrandKit": object(
                [
                    "logo": object(
                        [
                            "uploadId": id,
                            "position": enumeration(["top-left", "top-right", "bottom-left", "bottom-right"]),
                            "opacity": number, "size": number,
                        ], required: ["uploadId"]),
                    "font": object(["uploadId": id, "family": string], required: ["uploadId"]),
                    "intro": object(["uploadId": id], required: ["uploadId"]),
                    "outro": object(["uploadId": id], required: ["uploadId"]),
                ]),
            "FrameList": object(
                [
                    "format": enumeration(["jpeg", "png", "webp"]), "contentType": string, "zipUrl": string,
                    "frames": [
                        "type": "array",
                        "items": object(
                            [
                                "index": integer, "time": number, "width": integer, "height": integer,
                                "size": integer, "url": string,
                            ], required: ["index", "time", "url"]),
                    ],
                ], required: ["format", "frames", "zipUrl"]),
            "Clip": object(
                [
                    "id": id, "jobId": id, "index": integer, "start": number, "end": number, "duration": number,
                    "format": string,
                    "size": integer, "url": string,
                    "chapters": [
                        "type": "array",
                        "items": object(
                            ["start": number, "end": number, "title": string], required: ["start", "end", "title"]),
                    ],
                    "youtubeChapters": string,
                ], required: ["id", "jobId", "index", "start", "end", "duration", "format", "size", "url"]),
            "Batch": object(
                [
                    "id": id, "name": string, "preset": string,
                    "status": enumeration(["running", "succeeded", "partial", "failed", "cancelled"]),
                    "total": integer, "progress": number, "webhookUrl": string, "createdAt": string,
                    "finishedAt": string,
                    "counts": object(
                        [
                            "queued": integer, "running": integer, "succeeded": integer, "failed": integer,
                            "cancelled": integer,
                        ], required: ["queued", "running", "succeeded", "failed", "cancelled"]),
                    "jobs": [
                        "type": "array",
                        "items": object(
                            [
                                "id": id,
                                "status": enumeration(["queued", "running", "succeeded", "failed", "cancelled"]),
                                "progress": number, "source": ["type": "object"],
                            ], required: ["id", "status", "progress", "source"]),
                    ],
                ], required: ["id", "status", "total", "counts", "progress", "createdAt"]),
            "Preset": object(
                ["name": string, "description": string, "settings": ["type": "object"], "updatedAt": string],
                required: ["name", "settings", "updatedAt"]),
            "APIKey": object(
                ["id": id, "name": string, "role": role, "userId": id, "createdAt": string, "key": string],
                required: ["id", "name", "role", "userId", "createdAt"]),
            "Delivery": object(
                [
                    "id": string, "url": string, "state": enumeration(["pending", "delivered", "failed"]),
                    "createdAt": string,
                    "attempts": [
                        "type": "array",
                        "items": object(
                            ["number": integer, "at": string, "durationSeconds": number],
                            required: ["number", "at", "durationSeconds"]),
                    ],
                ],
                required: ["id", "url", "state", "createdAt", "attempts"]),
            "AuditEntry": object(
                ["action": string, "outcome": string, "status": integer, "at": string],
                required: ["action", "outcome", "status", "at"]),
            "Quotas": object(
                [
                    "limits": object(["uploadBytes": integer], required: ["uploadBytes"]),
                    "usage": object(
                        ["activeJobs": integer, "storedBytes": integer], required: ["activeJobs", "storedBytes"]),
                ],
                required: ["limits", "usage"]),
            "Secret": object(["secret": string], required: ["secret"]),
            "Figures": object(
                [
                    "jobs": ["type": "object", "additionalProperties": integer], "mediaMinutes": number,
                    "clips": integer,
                    "clipMinutes": number,
                    "processingSeconds": ["type": "object", "additionalProperties": ref("Distribution")],
                    "failures": ["type": "object", "additionalProperties": integer],
                ],
                required: ["jobs", "mediaMinutes", "clips", "clipMinutes", "processingSeconds", "failures"]),
            "Distribution": object(
                [
                    "count": integer, "min": number, "max": number, "mean": number, "p5": number, "p50": number,
                    "p95": number,
                ],
                required: ["count", "min", "max", "mean", "p5", "p50", "p95"]),
            "Analytics": object(
                [
                    "from": string, "to": string, "groupBy": enumeration(["none", "hour", "day"]),
                    "totals": ref("Figures"),
                    "buckets": [
                        "type": "array",
                        "items": [
                            "allOf": [
                                ref("Figures"), object(["start": string, "end": string], required: ["start", "end"]),
                            ]
                        ],
                    ],
                ],
                required: ["from", "to", "groupBy", "totals", "buckets"]),
            "Quality": object(
                [
                    "thresholds": object(["psnr": number, "ssim": number], required: ["psnr", "ssim"]),
                    "clips": integer,
                    "psnr": ref("Distribution"), "ssim": ref("Distribution"), "loudnessLUFS": ref("Distribution"),
                    "belowThresholds": [
                        "type": "array", "items": object(["clipId": id, "jobId": id], required: ["clipId", "jobId"]),
                    ],
                    "fallbacksByReason": ["type": "object", "additionalProperties": integer],
                    "fallbacks": [
                        "type": "array",
                        "items": object(
                            ["clipId": id, "jobId": id, "reason": string], required: ["clipId", "jobId", "reason"]),
                    ],
                ],
                required: ["thresholds", "clips", "belowThresholds", "fallbacksByReason", "fallbacks"]),
            "Analysis": object(["duration": number], required: ["duration"]),
            "Transcript": object(
                [
                    "language": string, "model": string, "duration": number,
                    "segments": [
                        "type": "array",
                        "items": object(
                            ["start": number, "end": number, "text": string], required: ["start", "end", "text"]),
                    ],
                    "words": [
                        "type": "array",
                        "items": object(
                            ["start": number, "end": number, "text": string, "probability": number],
                            required: ["start", "end", "text", "probability"]),
                    ],
                ],
                required: ["language", "model", "duration", "segments", "words"]),
            "Status": object(["status": string], required: ["status"]),
            "JobRequest": object(
                [
                    "source": object(["uploadId": id, "url": ["type": "string", "maxLength": 2048]]),
                    "clips": [
                        "type": "array",
                        "items": object(
                            [
                                "start": ["type": ["number", "string"]], "end": ["type": ["number", "string"]],
                                "name": ["type": "string", "maxLength": 200],
                                // Several ranges joined into one clip; start and end may then be left out.
                                "ranges": [
                                    "type": "array", "minItems": 1, "maxItems": 50,
                                    "items": object(
                                        [
                                            "start": ["type": ["number", "string"]],
                                            "end": ["type": ["number", "string"]],
                                        ], required: ["start", "end"]),
                                ],
                            ]),
                    ],
                    "highlights": object([
                        "count": integer, "minDuration": number, "maxDuration": number,
                        "query": ["type": "string", "maxLength": 200],
                    ]),
                    "output": ["type": "object"], "analyze": boolean, "transcribe": boolean,
                    "thumbnails": ["anyOf": [boolean, object(["exact": boolean])]],
                    "chapters": boolean, "preset": ["type": "string", "pattern": "^[a-z0-9_-]{1,64}$"],
                    "priority": ["type": "integer", "minimum": -10, "maximum": 10],
                    "webhookUrl": ["type": "string", "maxLength": 2048],
                ], required: ["source"]),
        ]
    }

    // MARK: operations

    static func body(_ schema: Object, type: String = "application/json") -> Object {
        ["required": true, "content": [type: ["schema": schema]]]
    }

    static func answer(
        _ status: String, _ description: String, _ schema: Object? = nil, type: String = "application/json"
    ) -> (String, Object) {
        var response: Object = ["description": description]
        if let schema { response["content"] = [type: ["schema": schema]] }
        return (status, response)
    }

    static var presetName: Object {
        [
            "name": "name", "in": "path", "required": true,
            "schema": ["type": "string", "pattern": "^[a-z0-9_-]{1,64}$"],
        ]
    }

    /// A timeline file, its type by `format`.
    static var timelineAnswer: (String, Object) {
        (
            "200",
            [
                "description": "the timeline file (an attachment)",
                "content": [
                    "application/json": ["schema": ["type": "object"]], "text/plain": ["schema": string],
                    "application/xml": ["schema": string],
                ],
            ]
        )
    }

    static var problems: Object {
        ["description": "a problem (RFC 9457)", "content": ["application/problem+json": ["schema": ref("Problem")]]]
    }

    static func operation(
        _ summary: String, public open: Bool = false, parameters: [Object] = [], body: Object? = nil,
        _ answers: (String, Object)...
    ) -> Object {
        var responses: Object = ["4XX": problems, "5XX": problems]
        for (status, response) in answers { responses[status] = response }
        var operation: Object = ["summary": summary, "responses": responses]
        if !parameters.isEmpty { operation["parameters"] = parameters }
        if let body { operation["requestBody"] = body }
        if open { operation["security"] = [Object]() }
        return operation
    }

    static func path(_ name: String) -> Object { ["name": name, "in": "path", "required": true, "schema": id] }
    static func query(_ name: String, _ schema: Object = string) -> Object {
        ["name": name, "in": "query", "required": false, "schema": schema]
    }
    static var paging: [Object] { [query("limit", ["type": "integer", "minimum": 1]), query("cursor")] }
    static var bytes: Object { ["type": "string", "format": "binary"] }

    static var paths: Object {
        [
            "/healthz": ["get": operation("The process answers", public: true, answer("200", "alive", ref("Status")))],
            "/readyz": [
                "get": operation(
                    "Each dependency's state", public: true, answer("200", "ready or degraded", ref("Status")),
                    answer("503", "not ready", ref("Status")))
            ],
            "/metrics": [
                "get": operation(
                    "Prometheus text (a token or loopback)", public: true,
                    answer("200", "metrics", string, type: "text/plain"))
            ],
            "/openapi.json": [
                "get": operation("This document", public: true, answer("200", "OpenAPI 3.1", ["type": "object"]))
            ],
            "/": [
                "get": operation("The web app's page", public: true, answer("200", "HTML", string, type: "text/html"))
            ],
            "/app/{file}": [
                "get": operation(
                    "The web app's modules and style sheet", public: true,
                    parameters: [["name": "file", "in": "path", "required": true, "schema": string]],
                    answer("200", "JavaScript or CSS", string, type: "text/javascript"))
            ],
            "/v1/auth/media-token": [
                "post": operation(
                    """
                    A token for media URLs (?access_token= on clip, thumbnail, upload and storyboard GETs), good \
                    for nothing else
                    """,
                    answer("200", "the token", ref("Token")))
            ],
            "/v1/auth/token": [
                "post": operation(
                    "Sign in", public: true,
                    body: body(
                        object(
                            ["email": string, "password": string, "organizationId": id],
                            required: ["email", "password"])),
                    answer("200", "a token", ref("Token")))
            ],
            "/v1/me": ["get": operation("The caller", answer("200", "the user", ref("User")))],
            "/v1/me/password": [
                "post": operation(
                    "Change one's password (a signed-in session, not an API key); earlier tokens are void",
                    body: body(
                        object(
                            ["currentPassword": string, "newPassword": string],
                            required: ["currentPassword", "newPassword"])),
                    answer("200", "a new token", ref("Token")))
            ],
            "/v1/users": [
                "get": operation("The organisation's users (admin)", answer("200", "users", list(of: "User"))),
                "post": operation(
                    "Add a user (admin)",
                    body: body(
                        object(
                            ["email": string, "password": string, "role": role],
                            required: ["email", "password", "role"])),
                    answer("201", "the user", ref("User"))),
            ],
            "/v1/users/{id}": [
                "patch": operation(
                    "Change a user's role, password or disabled state (admin)", parameters: [path("id")],
                    body: body(object(["role": role, "disabled": boolean, "password": string])),
                    answer("200", "the user", ref("User")))
            ],
            "/v1/organizations": [
                "post": operation(
                    "Create an organisation and its admin (operator token)", public: true,
                    body: body(
                        object(
                            ["name": string, "adminEmail": string, "adminPassword": string, "homeRegion": string],
                            required: ["name", "adminEmail"])),
                    answer("201", "the organisation", ["type": "object"]))
            ],
            "/v1/organizations/{id}/region": [
                "put": operation(
                    "Move an organisation's home region (operator token); null: any region's workers",
                    public: true, parameters: [path("id")],
                    body: body(object(["homeRegion": ["type": ["string", "null"]]], required: ["homeRegion"])),
                    answer("200", "the organisation's home region", ["type": "object"]))
            ],
            "/v1/organizations/{id}/quotas": [
                "put": operation(
                    "Set an organisation's quotas (operator token)", public: true, parameters: [path("id")],
                    body: body(
                        object([
                            "concurrentJobs": ["type": ["integer", "null"]],
                            "storedBytes": ["type": ["integer", "null"]],
                            "uploadBytes": ["type": ["integer", "null"]],
                        ])),
                    answer("200", "the quotas", ["type": "object"]))
            ],
            "/v1/quotas": [
                "get": operation(
                    "The organisation's limits and usage", answer("200", "limits and usage", ref("Quotas")))
            ],
            "/v1/retention": [
                "get": operation(
                    "How long the organisation's data is kept: its own days, the defaults, what applies, the bound",
                    answer("200", "retention", ["type": "object"])),
                "put": operation(
                    "Set the organisation's own retention in days per category (admin); null takes the default, 0 keeps for good",
                    body: body(
                        object(
                            Dictionary(
                                uniqueKeysWithValues: ["uploads", "clips", "analyses", "jobs", "audit", "webhooks"].map
                                {
                                    ($0, ["type": ["integer", "null"]] as [String: Any])
                                }))),
                    answer("200", "retention", ["type": "object"])),
            ],
            "/v1/api-keys": [
                "get": operation("API keys (an admin sees all)", answer("200", "keys", list(of: "APIKey"))),
                "post": operation(
                    "Make an API key (shown once)",
                    body: body(object(["name": string, "role": role], required: ["name"])),
                    answer("201", "the key", ref("APIKey"))),
            ],
            "/v1/api-keys/{id}": [
                "delete": operation("Revoke a key", parameters: [path("id")], answer("204", "revoked"))
            ],
            "/v1/webhook-secret": [
                "get": operation(
                    "The organisation's webhook signing secret (admin)", answer("200", "the secret", ref("Secret"))),
                "post": operation("Rotate it (admin)", answer("200", "the new secret", ref("Secret"))),
            ],
            "/v1/audit": [
                "get": operation(
                    "The audit log (admin)",
                    parameters: paging + [
                        query("actor", id), query("outcome"), query("action"),
                        query("from"), query("to"),
                    ],
                    answer("200", "entries, newest first", list(of: "AuditEntry")))
            ],
            "/v1/audit/service": [
                "get": operation(
                    "The service-wide audit log: entries tied to no organisation (operator token)", public: true,
                    parameters: paging + [query("outcome"), query("action"), query("from"), query("to")],
                    answer("200", "entries, newest first", list(of: "AuditEntry")))
            ],
            "/v1/analytics/summary": [
                "get": operation(
                    """
                    The organisation's jobs in a window: by status, media minutes, clips, processing seconds by \
                    stage, failures by code
                    """,
                    parameters: [query("from"), query("to"), query("groupBy", enumeration(["none", "hour", "day"]))],
                    answer("200", "the figures, in total and by bucket", ref("Analytics")))
            ],
            "/v1/quality/summary": [
                "get": operation(
                    "PSNR, SSIM and loudness of the organisation's clips; clips below thresholds; smart-cut fallbacks",
                    parameters: [query("from"), query("to"), query("psnrBelow", number), query("ssimBelow", number)],
                    answer("200", "the quality report", ref("Quality")))
            ],
            "/v1/jobs/{id}/quality": [
                "get": operation(
                    "The quality report of one job's clips",
                    parameters: [path("id"), query("psnrBelow", number), query("ssimBelow", number)],
                    answer("200", "the quality report", ref("Quality")))
            ],
            "/v1/uploads": [
                "get": operation(
                    "Uploads, newest first", parameters: paging, answer("200", "uploads", list(of: "Upload"))),
                "post": operation(
                    "Upload a file (raw body or multipart/form-data)",
                    body: body(bytes, type: "application/octet-stream"),
                    answer("201", "the upload", ref("Upload"))),
            ],
            "/v1/uploads/{id}/content": [
                "get": operation(
                    "The uploaded file (Range, ETag; ?access_token= for a player)",
                    parameters: [path("id"), query("access_token")],
                    answer("200", "the file", bytes, type: "application/octet-stream"),
                    answer("206", "a range", bytes, type: "application/octet-stream"), answer("304", "not modified"))
            ],
            "/v1/uploads/{id}": [
                "get": operation("An upload", parameters: [path("id")], answer("200", "the upload", ref("Upload"))),
                "delete": operation(
                    "Delete an upload (admin or owner)", parameters: [path("id")], answer("204", "deleted")),
            ],
            "/v1/jobs": [
                "get": operation(
                    "Jobs, newest first",
                    parameters: paging + [
                        query("status", enumeration(["queued", "running", "succeeded", "failed", "cancelled"]))
                    ],
                    answer("200", "jobs", list(of: "Job"))),
                "post": operation(
                    "Submit a job",
                    parameters: [["name": "Idempotency-Key", "in": "header", "required": false, "schema": string]],
                    body: body(ref("JobRequest")), answer("202", "the job", ref("Job"))),
            ],
            "/v1/jobs/{id}": [
                "get": operation("A job", parameters: [path("id")], answer("200", "the job", ref("Job"))),
                "delete": operation(
                    "Delete a job and its clips (admin or owner)", parameters: [path("id")], answer("204", "deleted")),
            ],
            "/v1/jobs/{id}/cancel": [
                "post": operation(
                    "Cancel a job (admin or owner)", parameters: [path("id")], answer("200", "the job", ref("Job")))
            ],
            "/v1/jobs/{id}/analysis": [
                "get": operation(
                    "The source's analysis", parameters: [path("id")], answer("200", "the analysis", ref("Analysis")))
            ],
            "/v1/jobs/{id}/storyboard.jpg": [
                "get": operation(
                    "The storyboard sprite", parameters: [path("id")], answer("200", "JPEG", bytes, type: "image/jpeg"))
            ],
            "/v1/jobs/{id}/storyboard.vtt": [
                "get": operation(
                    "The storyboard's WebVTT", parameters: [path("id")],
                    answer("200", "WebVTT", string, type: "text/vtt"))
            ],
            "/v1/jobs/{id}/frames": [
                "get": operation(
                    "The still frames the job extracted", parameters: [path("id")],
                    answer("200", "the frames", ref("FrameList")))
            ],
            "/v1/jobs/{id}/frames.zip": [
                "get": operation(
                    "Every frame in one ZIP", parameters: [path("id")],
                    answer("200", "ZIP", bytes, type: "application/zip"))
            ],
            "/v1/jobs/{id}/frames/{index}": [
                "get": operation(
                    "One frame (JPEG, PNG or WebP)",
                    parameters: [path("id"), ["name": "index", "in": "path", "required": true, "schema": integer]],
                    answer("200", "the image", bytes, type: "image/jpeg"))
            ],
            "/v1/jobs/{id}/deliveries": [
                "get": operation(
                    "Webhook deliveries and their attempts", parameters: [path("id")],
                    answer("200", "deliveries", list(of: "Delivery")))
            ],
            "/v1/jobs/{id}/events": [
                "get": operation(
                    "The job's events (WebSocket; plain HTTP answers 426)",
                    parameters: [path("id"), query("access_token")],
                    answer("101", "switching to WebSocket"))
            ],
            "/v1/events": [
                "get": operation(
                    "Every job's events in the organisation (WebSocket; plain HTTP answers 426)",
                    parameters: [query("access_token")],
                    answer("101", "switching to WebSocket"))
            ],
            "/v1/clips/{id}": [
                "get": operation("A clip", parameters: [path("id")], answer("200", "the clip", ref("Clip")))
            ],
            "/v1/clips/{id}/content": [
                "get": operation(
                    "The clip's file (Range, ETag; ?redirect=true for a presigned URL)",
                    parameters: [path("id"), query("redirect")],
                    answer("200", "the file", bytes, type: "application/octet-stream"),
                    answer("206", "a range", bytes, type: "application/octet-stream"),
                    answer("302", "to a presigned URL"), answer("304", "not modified"))
            ],
            "/v1/brand": [
                "get": operation("The organisation's brand kit", answer("200", "the kit", ref("BrandKit"))),
                "put": operation(
                    "Save the brand kit (admin): a logo (its corner, opacity and size), a caption font, an intro and an outro",
                    body: body(ref("BrandKit")), answer("200", "the kit", ref("BrandKit"))),
                "delete": operation("Remove the brand kit (admin)", answer("204", "removed")),
            ],
            "/v1/presets": [
                "get": operation(
                    "The organisation's presets, by name",
                    answer("200", "the presets", object(["items": ["type": "array", "items": ref("Preset")]])))
            ],
            "/v1/presets/{name}": [
                "get": operation("One preset", parameters: [presetName], answer("200", "the preset", ref("Preset"))),
                "put": operation(
                    "Save a preset: job settings (output, highlights, captions, enhance, brand…) a job uses by name",
                    parameters: [presetName],
                    body: body(object(["description": string, "settings": ["type": "object"]])),
                    answer("200", "the preset", ref("Preset"))),
                "delete": operation("Remove a preset", parameters: [presetName], answer("204", "removed")),
            ],
            "/v1/batches": [
                "get": operation(
                    "Batches, newest first", parameters: paging, answer("200", "batches", list(of: "Batch"))),
                "post": operation(
                    "Submit one set of job settings (a preset and/or job fields) for many uploads or URLs",
                    body: body(
                        object(
                            [
                                "sources": [
                                    "type": "array", "minItems": 1,
                                    "items": object(["uploadId": id, "url": string]),
                                ],
                                "preset": string, "job": ["type": "object"], "name": string, "webhookUrl": string,
                            ], required: ["sources"])), answer("202", "the batch with its jobs", ref("Batch"))),
            ],
            "/v1/batches/{id}": [
                "get": operation(
                    "A batch, its progress and its jobs", parameters: [path("id")],
                    answer("200", "the batch", ref("Batch")))
            ],
            "/v1/batches/{id}/cancel": [
                "post": operation(
                    "Cancel every unfinished job of the batch", parameters: [path("id")],
                    answer("200", "the batch", ref("Batch")))
            ],
            "/v1/batches/{id}/clips.zip": [
                "get": operation(
                    "Every clip of the batch's jobs in one ZIP, a folder per job", parameters: [path("id")],
                    answer("200", "ZIP", bytes, type: "application/zip"))
            ],
            "/v1/clips/{id}/renders": [
                "post": operation(
                    "Render the clip again (edges, output, word corrections): a new job of one render",
                    parameters: [path("id")],
                    body: body(
                        object([
                            "start": number, "end": number, "output": ["type": "object"],
                            "corrections": [
                                "type": "array",
                                "items": object(["time": number, "text": string], required: ["time", "text"]),
                            ],
                        ])), answer("202", "the job", ref("Job")))
            ],
            "/v1/clips/{id}/renditions/{number}/content": [
                "get": operation(
                    "One of the clip's renditions (ranges as for the clip)",
                    parameters: [path("id"), ["name": "number", "in": "path", "required": true, "schema": integer]],
                    answer("200", "the file", bytes, type: "application/octet-stream"))
            ],
            "/v1/clips/{id}/renditions/{number}/hls/{file}": [
                "get": operation(
                    "A file of an hls rendition: index.m3u8 or a segment",
                    parameters: [
                        path("id"), ["name": "number", "in": "path", "required": true, "schema": integer],
                        ["name": "file", "in": "path", "required": true, "schema": string],
                    ],
                    answer("200", "the playlist or segment", bytes, type: "application/vnd.apple.mpegurl"))
            ],
            "/v1/clips/{id}/thumbnail": [
                "get": operation(
                    "The clip's poster", parameters: [path("id")], answer("200", "JPEG", bytes, type: "image/jpeg"))
            ],
            "/v1/jobs/{id}/transcript": [
                "get": operation(
                    "The source's words with times (?format=srt|vtt for subtitles on the source's clock)",
                    parameters: [path("id"), query("format", enumeration(["json", "srt", "vtt"]))],
                    answer("200", "the transcript", ref("Transcript")))
            ],
            "/v1/jobs/{id}/timeline": [
                "get": operation(
                    "The job's clips as an edit for another editor: OpenTimelineIO, CMX 3600 EDL or FCPXML",
                    parameters: [
                        path("id"), query("format", enumeration(["otio", "edl", "fcpxml"])), query("access_token"),
                    ],
                    timelineAnswer)
            ],
            "/v1/clips/{id}/timeline": [
                "get": operation(
                    "The clip as an edit for another editor: OpenTimelineIO, CMX 3600 EDL or FCPXML",
                    parameters: [
                        path("id"), query("format", enumeration(["otio", "edl", "fcpxml"])), query("access_token"),
                    ],
                    timelineAnswer)
            ],
            "/v1/clips/{id}/captions.srt": [
                "get": operation(
                    "The clip's words as SRT, on the clip's clock (?access_token= for a player)",
                    parameters: [path("id"), query("access_token")],
                    answer("200", "SRT", string, type: "application/x-subrip"))
            ],
            "/v1/clips/{id}/captions.vtt": [
                "get": operation(
                    "The clip's words as WebVTT, on the clip's clock (?access_token= for a player)",
                    parameters: [path("id"), query("access_token")],
                    answer("200", "WebVTT", string, type: "text/vtt"))
            ],
        ]
    }

    static var document: Object {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "ClipGen", "version": "1",
                "description": "Clips from long videos. Errors are application/problem+json.",
            ],
            "paths": paths,
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "bearer": [
                        "type": "http", "scheme": "bearer",
                        "description": "a JWT from /v1/auth/token or an API key (cgk_…)",
                    ]
                ],
            ],
            "security": [["bearer": [String]()]],
        ]
    }
}
