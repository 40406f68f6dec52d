import Foundation
import TestSupport
import Testing

/// The repository documents itself: every link in the README and docs/ names a file inside it.
@Suite struct DocumentationTests {
    @Test(arguments: ["README.md", "docs/api.md", "docs/architecture.md", "bench/README.md"])
    func linksPointInsideTheRepository(file: String) throws {
        let root = TestMedia.repositoryRoot
        let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
        #expect(!text.contains("../shared"), "\(file) points outside the repository")
        let directory = (file as NSString).deletingLastPathComponent
        let links = try Regex(#"\]\(([^)#\s]+)(#[^)]*)?\)"#)
        for match in text.matches(of: links) {
            let target = String(match.output[1].substring ?? "")
            guard !target.hasPrefix("http://"), !target.hasPrefix("https://") else { continue }
            let path = ((root + "/" + directory + "/" + target) as NSString).standardizingPath
            #expect(path.hasPrefix(root) && FileManager.default.fileExists(atPath: path), "\(file) links to \(target)")
        }
    }
}
