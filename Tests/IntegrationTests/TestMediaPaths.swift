import TestSupport

/// The `clipgen` binary that `swift build` made, which the process tests run.
enum TestMediaPaths {
    static var clipgen: String { TestMedia.repositoryRoot + "/.build/debug/clipgen" }
}
