import NIOCore
import Outbound
import Testing

@Suite struct NetworkPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "224.0.0.1", "239.1.1.1", "0.0.0.0", "255.255.255.255", "240.0.0.1", "198.18.0.1",
        "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
        "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "2001:db8::1",
        // IPv4-translated (RFC 6145) and local-use NAT64 (RFC 8215): round 3's L5.
        "::ffff:0:7f00:1", "::ffff:0:a9fe:a9fe", "64:ff9b:1::7f00:1", "64:ff9b:1::a00:1", "64:ff9b:1:ab::808:808",
    ])
    func privateLoopbackLinkLocalMulticastAndMetadataAreRefused(address: String) throws {
        let bytes = try #require(CIDR.bytes(of: address))
        #expect(!NetworkPolicy().permits(bytes), "\(address)")
    }

    @Test(arguments: [
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1", "100.128.0.1",
        "::ffff:0:808:808", "64:ff9b:1::808:808",
    ])
    func publicAddressesArePermitted(address: String) throws {
        #expect(NetworkPolicy().permits(try #require(CIDR.bytes(of: address))), "\(address)")
    }

    @Test func anOperatorCanAllowRanges() throws {
        let policy = try NetworkPolicy.parse("127.0.0.0/8, fd00::/8").get()
        #expect(policy.permits(try #require(CIDR.bytes(of: "127.0.0.1"))))
        #expect(
            policy.permits(try #require(CIDR.bytes(of: "::ffff:127.0.0.1"))), "the mapped form of an allowed address")
        #expect(policy.permits(try #require(CIDR.bytes(of: "fd12::1"))))
        #expect(!policy.permits(try #require(CIDR.bytes(of: "10.0.0.1"))))
        #expect(!policy.permits(try #require(CIDR.bytes(of: "::1"))))
        guard case .failure(.invalidNetwork("nonsense")) = NetworkPolicy.parse("10.0.0.0/8,nonsense") else {
            Issue.record("a bad entry was accepted")
            return
        }
        #expect(CIDR("10.0.0.0/33") == nil && CIDR("::/129") == nil && CIDR("10.0.0.0/8")?.description == "10.0.0.0/8")
    }

    /// Every spelling resolves before it is judged: decimal, octal, hex, short forms, names.
    @Test(arguments: [
        "http://127.0.0.1/", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1:8080/x",
        "http://localhost/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "https://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/", "http://0/",
    ])
    func everySpellingOfAForbiddenAddressIsRefused(url: String) async throws {
        await #expect(throws: OutboundError.self) { try await PinnedHTTPClient(policy: NetworkPolicy()).resolve(url) }
        do {
            _ = try await PinnedHTTPClient(policy: NetworkPolicy()).resolve(url)
        } catch let error as OutboundError {
            guard case .forbiddenAddress = error else {
                Issue.record("\(url): \(error)")
                return
            }
            #expect(
                !error.description.contains("127.0.0.1") || url.contains("127.0.0.1"),
                "the resolved address is not shown")
        }
    }

    @Test(arguments: [
        "ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/", "http:///nohost", "gopher://x",
    ])
    func onlyPlainHttpURLsAreAccepted(url: String) async throws {
        await #expect(throws: OutboundError.self) { try await PinnedHTTPClient(policy: NetworkPolicy()).resolve(url) }
    }

    @Test func anAllowedLoopbackURLResolvesToItsPinnedAddress() async throws {
        let target = try await PinnedHTTPClient(policy: try NetworkPolicy.parse("127.0.0.0/8").get()).resolve(
            "http://127.0.0.1:8123/hook?a=1")
        #expect(
            target.address.ipAddress == "127.0.0.1" && target.port == 8123 && target.pathAndQuery == "/hook?a=1"
                && !target.secure)
    }
}
