import ClipGenCore
import Foundation
import Persistence
import PersistenceSQLite
import TestSupport
import Testing

/// A client reading a large clip slowly: the server holds a chunk at a time, not the file.
@Suite(.serialized) struct SlowDownloadTests {
    static let clipBytes: Int64 = 200 << 20
    /// What the server may grow by while it serves the clip: a few chunks and the connection's
    /// buffers, far below the 200 MB an unpaced reader would queue.
    static let growthBound = 48 << 20

    @Test func aSlowClientOfA200MBClipKeepsTheServersMemoryFlat() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir + "/data"
            let port = ClipGenProcess.freePort()
            let api = try ClipGenProcess(
                ["serve", "--no-workers", "--port", "\(port)"],
                environment: [
                    "CLIPGEN_DATA_DIR": data, "CLIPGEN_ADMIN_PASSWORD": "slow-download", "CLIPGEN_BCRYPT_COST": "4",
                    "CLIPGEN_LOG_LEVEL": "warning",
                ], log: dir + "/api.log")
            let base = "http://127.0.0.1:\(port)"
            #expect(try await eventually { (try? Curl.call(base + "/healthz"))?.status == 200 }, "\(api.output)")
            let token = try #require(
                try Curl.signIn(base, password: "slow-download"))

            // A finished job with one 200 MB clip, written beside the running server as a worker would.
            let store = SQLiteJobStore(path: data + "/clipgen.sqlite")
            let admin = try #require(try await store.user(email: "admin@localhost"))
            var request = JobRequest(source: .init(uploadId: .make()), clips: [.init(start: 0, end: 1)])
            request.quality = false
            let job = Job(organizationId: admin.organizationId, ownerId: admin.id, request: request, createdAt: Date())
            _ = try await store.createJob(
                job, firstTask: TaskRecord(jobId: job.id, kind: .render, clipIndex: 0, maxAttempts: 1),
                idempotencyKey: nil)
            let claimed = try #require(
                try await store.claimTask(worker: "test", capabilities: [.cpu], leaseSeconds: 60))
            let key = "clips/\(job.id)/0-big.mp4"
            try FileManager.default.createDirectory(
                atPath: data + "/blobs/clips/\(job.id)", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: data + "/blobs/" + key, contents: nil))
            #expect(truncate(data + "/blobs/" + key, off_t(Self.clipBytes)) == 0)
            let clip = Clip(
                jobId: job.id, organizationId: admin.organizationId, index: 0, name: "big", start: 0, end: 1,
                actualStart: 0,
                duration: 1, format: .mp4, modeUsed: .exact, fallbackReason: nil, size: Self.clipBytes, sha256: "x",
                blobKey: try BlobKey(key),
                createdAt: Date())
            #expect(
                try await store.completeTask(
                    taskId: claimed.task.id, worker: "test", outcome: TaskOutcome(clips: [clip]),
                    transitions: JobTransitions()) == .jobSucceeded)

            // The kernel keeps the server's peak resident size; reset here, it is the download's peak,
            // exact, where sampling it from a loop missed whatever a busy machine kept the loop from seeing.
            try Self.resetPeak(api.pid)
            let baseline = try Self.memory(api.pid, "VmRSS")
            // 25 MB/s: eight seconds for the whole clip, while the disk could hand it over in a fraction of one.
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            curl.arguments = [
                "curl", "-s", "--limit-rate", "25M", "-o", "/dev/null", "-w", "%{size_download} %{time_total}",
                "-H", "Authorization: Bearer \(token)", base + "/v1/clips/\(clip.id)/content",
            ]
            let out = Pipe()
            curl.standardOutput = out
            try curl.run()
            while curl.isRunning { try await Task.sleep(for: .milliseconds(100)) }
            let written = out.fileHandleForReading.readDataToEndOfFile()
            let peak = try Self.memory(api.pid, "VmHWM")
            let result = String(decoding: written, as: UTF8.self).split(separator: " ")
            #expect(result.first == "\(Self.clipBytes)", "the whole clip arrived")
            #expect((result.last.flatMap { Double($0) } ?? 0) >= 5, "the client read slowly: \(result)")
            print(
                """
                slow download: server RSS \(baseline >> 20) MB before, \(peak >> 20) MB at peak (bound: \
                +\(Self.growthBound >> 20) MB)
                """
            )
            #expect(peak - baseline < Self.growthBound, "server grew by \((peak - baseline) >> 20) MB")
            #expect(await api.stop() == 0)
        }
    }

    /// A figure from `/proc/<pid>/status` in bytes: `VmRSS` now, `VmHWM` the peak since the last reset.
    static func memory(_ pid: pid_t, _ field: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw TestFailure("no \(field) for \(pid)") }
        return kilobytes << 10
    }

    /// Writing 5 to `clear_refs` sets a process's peak resident size back to its present one (Linux 4.0+).
    static func resetPeak(_ pid: pid_t) throws {
        guard let handle = FileHandle(forWritingAtPath: "/proc/\(pid)/clear_refs") else {
            throw TestFailure("cannot open clear_refs of \(pid)")
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data("5".utf8))
    }
}
