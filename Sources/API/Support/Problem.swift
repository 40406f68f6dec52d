import Accounts
import ClipGenCore
import Foundation
import Hummingbird
import Logging

/// An RFC 9457 problem: every error the API answers with has this shape and the
/// `application/problem+json` content type.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    public var errors: [FieldError]?
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, title: String? = nil, detail: String, errors: [FieldError]? = nil) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
    }

    public static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(status: .unauthorized, detail: detail)
        problem.headers[.wwwAuthenticate] = "Bearer"
        return problem
    }

    /// A refusal the client may try again after `seconds` (`Retry-After`).
    public static func retryLater(_ status: HTTPResponse.Status, after seconds: Int64, _ detail: String) -> Problem {
        var problem = Problem(status: status, detail: detail)
        problem.headers[.retryAfter] = String(seconds)
        return problem
    }

    public static func notFound(_ what: String) -> Problem {
        Problem(status: .notFound, detail: "no \(what) with this id")
    }

    public static func invalid(_ errors: [FieldError]) -> Problem {
        Problem(
            status: .unprocessableContent, title: "Invalid request",
            detail: errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "), errors: errors)
    }

    private struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [FieldError]?
        var requestId: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "about:blank", title: title, status: status.code, detail: detail, errors: errors,
            requestId: context.logger[metadataKey: "hb.request.id"].map { "\($0)" })
        let data = try JSONEncoder().encode(body)
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// What an identity refusal is over HTTP.
    init(_ error: AccountError) {
        switch error {
        case .invalid(let errors): self = .invalid(errors)
        case .callerBusy: self = .retryLater(.tooManyRequests, after: 1, error.description)
        case .busy: self = .retryLater(.serviceUnavailable, after: 1, error.description)
        }
    }
}
