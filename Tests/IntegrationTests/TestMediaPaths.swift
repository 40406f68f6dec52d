import Foundation

enum TestMediaPaths {
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
    static var clipgen: String { repositoryRoot + "/.build/debug/clipgen" }
}
