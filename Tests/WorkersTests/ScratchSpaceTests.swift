import Foundation
import Testing

@testable import Workers

@Suite struct ScratchSpaceTests {
    struct Failure: Error {}

    static func makeRoot() throws -> String {
        let root = NSTemporaryDirectory() + "scratch-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    @Test func aScratchDirectoryIsGoneWhetherItsWorkEndsOrThrows() async throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let written = try await ScratchSpace.withDirectory(root + "/done") { directory in
            #expect(FileManager.default.createFile(atPath: directory + "/part.mp4", contents: Data([1])))
            return directory
        }
        #expect(!FileManager.default.fileExists(atPath: written))
        await #expect(throws: Failure.self) {
            try await ScratchSpace.withDirectory(root + "/failed") { directory in
                #expect(FileManager.default.createFile(atPath: directory + "/part.mp4", contents: Data([1])))
                throw Failure()
            }
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/failed"))
    }

    @Test func leftoversOfDeadWorkersAndOldOnesGoOwnAndLiveOnesStay() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let host = ProcessInfo.processInfo.hostName
        // A pid far beyond pid_max is never running.
        let names = [
            "own": "\(host)-\(getpid())-own", "live": "\(host)-\(getpid())-other", "dead": "\(host)-999999999-gone",
            "old": "another-host-1-old", "recent": "another-host-1-recent",
        ]
        for name in names.values {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        }
        let now = Date()
        try FileManager.default.setAttributes(
            [.modificationDate: now.addingTimeInterval(-2 * 24 * 3600)], ofItemAtPath: root + "/" + names["old"]!)
        ScratchSpace.removeLeftovers(in: root, keeping: names["own"]!, now: now)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: root))
        #expect(left == [names["own"]!, names["live"]!, names["recent"]!])
    }
}
