import Accounts
import BlobStorage
import ClipGenCore
import Foundation
import Hummingbird
import Logging
import NIOHTTP1
import Persistence

/// Turns every error into problem+json. Unknown errors become a 500 whose body carries the
/// request id; the cause is logged, never sent.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as HTTPError {
            throw Problem(status: error.status, detail: error.body ?? Self.defaultDetail(error.status))
        } catch let error as any HTTPResponseError {
            throw Problem(status: error.status, detail: Self.defaultDetail(error.status))
        } catch let error as DecodingError {
            let detail = Self.describe(error)
            let path = Self.path(of: error)
            throw Problem(
                status: .badRequest, title: "Malformed JSON", detail: detail,
                errors: path.isEmpty ? nil : [FieldError(field: path, message: detail)])
        } catch HTTPParserError.invalidEOFState {
            // The client went away mid-request: nobody reads this answer, and it is not the server's fault.
            context.logger.debug("the client closed the connection before the request ended")
            throw Problem(status: .badRequest, detail: "the request ended before its body did")
        } catch let error as HTTPParserError {
            throw Problem(status: .badRequest, detail: "the request is not valid HTTP/1.1 (\(error))")
        } catch StoreError.invalidCursor {
            throw Problem(status: .badRequest, detail: StoreError.invalidCursor.description)
        } catch let error as StoreError where error == .unavailable || error == .shutDown {
            context.logger.warning("database unavailable", metadata: ["error": "\(error)"])
            throw Problem.retryLater(.serviceUnavailable, after: 5, error.description)
        } catch StoreError.idempotencyKeyReused {
            throw Problem(status: .unprocessableContent, detail: StoreError.idempotencyKeyReused.description)
        } catch let error as StoreError {
            throw Problem(status: .conflict, detail: error.description)
        } catch let error as AccountError {
            throw Problem(error)
        } catch let error as BlobError {
            switch error {
            case .tooLarge: throw Problem(status: .contentTooLarge, detail: error.description)
            case .notFound: throw Problem(status: .notFound, detail: "the stored file is missing")
            case .rangeNotSatisfiable(let size):
                var problem = Problem(status: .rangeNotSatisfiable, detail: error.description)
                problem.headers[.contentRange] = "bytes */\(size)"
                throw problem
            case .damaged:
                context.logger.warning("a stored file failed its integrity check", metadata: ["error": "\(error)"])
                throw Problem.retryLater(
                    .serviceUnavailable, after: 60,
                    "the stored file failed its integrity check; the operator has been told")
            case .unavailable:
                context.logger.warning("blob store unavailable", metadata: ["error": "\(error)"])
                throw Problem.retryLater(
                    .serviceUnavailable, after: 5, "file storage is unavailable; try again shortly")
            }
        } catch is CancellationError {
            throw Problem(status: .serviceUnavailable, detail: "the server is shutting down; try again")
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw Problem(
                status: .internalServerError,
                detail: "an unexpected error occurred; quote the request id when reporting it")
        }
    }

    static func defaultDetail(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such resource"
        case .methodNotAllowed: "this method is not allowed here"
        case .contentTooLarge: "the request body is too large"
        default: status.reasonPhrase
        }
    }

    static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.hasPrefix(".") ? String(path.dropFirst()) : path
    }

    /// `clips[0].start`: where in the body the problem is, for the `errors` list.
    static func path(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return (parent.isEmpty ? "" : parent + ".") + key.stringValue
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return path(context)
        @unknown default:
            return ""
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field \(parent.isEmpty ? "" : parent + ".")\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            let at = path(context)
            return at.isEmpty ? "the body is not valid JSON" : "invalid value at \(at): \(context.debugDescription)"
        @unknown default:
            return "the body could not be decoded"
        }
    }
}
