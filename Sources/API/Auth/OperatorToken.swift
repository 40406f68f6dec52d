import Hummingbird

/// The operator's bearer token (`CLIPGEN_OPERATOR_TOKEN`), which opens the routes above any
/// organisation; no user's token or key does.
struct OperatorToken: Sendable {
    let value: String?

    /// Throws 403 when none is configured, 401 when the request does not carry it.
    func require(_ request: Request, for what: String) throws {
        guard let value else {
            throw Problem(status: .forbidden, detail: "\(what) is the operator's; set CLIPGEN_OPERATOR_TOKEN")
        }
        guard request.carriesBearer(value) else {
            throw Problem.unauthorized("this route needs Authorization: Bearer <the operator token>")
        }
    }
}
