import ClipGenCore
import Foundation
import HummingbirdTesting
import Testing

@testable import API

/// The report routes' window and thresholds: what a client may ask, and a clear 400 for the rest.
@Suite struct ReportRouteTests {
    @Test func badWindowsAndThresholdsAreRefusedInWords() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.viewer)
            try await h.test { client in
                let refused = [
                    ("/v1/analytics/summary?from=yesterday", "from must be an ISO 8601 time"),
                    ("/v1/analytics/summary?from=2026-02-01&to=2026-01-01", "from must be before to"),
                    ("/v1/analytics/summary?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "at most 366 days"),
                    ("/v1/analytics/summary?groupBy=week", "groupBy must be none, hour or day"),
                    (
                        "/v1/analytics/summary?groupBy=hour&from=2026-01-01&to=2026-03-01",
                        "by the hour, the window is at most 31 days"
                    ),
                    ("/v1/quality/summary?psnrBelow=high", "psnrBelow must be a number"),
                    ("/v1/quality/summary?ssimBelow=2", "ssimBelow must be a number from 0.0 to 1.0"),
                ]
                for (uri, detail) in refused {
                    try await client.execute(uri: uri, method: .get, headers: .bearer(token)) { response in
                        #expect(response.status == .badRequest, "\(uri)")
                        #expect(
                            (response.object["detail"] as? String ?? "").contains(detail), "\(uri): \(response.object)")
                    }
                }
                try await client.execute(
                    uri: "/v1/analytics/summary?from=2026-01-01&to=2026-01-08&groupBy=hour", method: .get,
                    headers: .bearer(token)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(
                        response.object["from"] as? String == "2026-01-01T00:00:00.000Z"
                            && response.object["groupBy"] as? String == "hour")
                    #expect((response.object["buckets"] as? [Any])?.isEmpty == true)
                }
                try await client.execute(
                    uri: "/v1/quality/summary?psnrBelow=35&ssimBelow=0.95", method: .get, headers: .bearer(token)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.object["thresholds"] as? [String: Double] == ["psnr": 35, "ssim": 0.95])
                }
                try await client.execute(uri: "/v1/jobs/\(JobID.make())/quality", method: .get, headers: .bearer(token))
                { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }
}
