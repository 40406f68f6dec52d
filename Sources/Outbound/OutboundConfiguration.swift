import ClipGenCore

/// What ClipGen may reach on a user's behalf (webhooks now, URL imports next).
public struct OutboundConfiguration: Sendable {
    /// Ranges allowed besides public addresses; default none.
    public var policy = NetworkPolicy()

    public init() {}

    public static let keys = [
        ConfigurationKey(
            "allowPrivateNetworks",
            "comma-separated CIDRs that webhooks and URL imports may reach besides public addresses (none)")
    ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        if let text = values.string("allowPrivateNetworks") {
            switch NetworkPolicy.parse(text) {
            case .success(let policy): self.policy = policy
            case .failure(let error):
                throw ConfigurationProblem.invalid(
                    key: ConfigurationKey.environmentName("allowPrivateNetworks"), reason: error.description)
            }
        }
    }
}
