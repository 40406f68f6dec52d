import Foundation
import TestSupport
import Testing

@testable import Server

/// The JSON log lines and the size-rotated log file, on their own.
@Suite struct LogFileTests {
    /// Size rotation on its own: the current file and `keep` older ones, each under the bound,
    /// the newest lines kept and in order.
    @Test func theLogFileRotatesWithinItsBound() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            let file = try LogFile(LogFile.Settings(path: path, maxBytes: 4096, keep: 3))
            for index in 0..<1000 { file.write(Data("line \(index) \(String(repeating: "x", count: 40))\n".utf8)) }
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(names == ["app.log", "app.log.1", "app.log.2", "app.log.3"])
            var kept: [String] = []
            for name in ["app.log.3", "app.log.2", "app.log.1", "app.log"] {
                let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
                // Rotated files were filled to within a line of the bound; the current one is filling.
                #expect(
                    text.utf8.count <= 4096 && (name == "app.log" || text.utf8.count > 4000),
                    "\(name): \(text.utf8.count) bytes")
                kept += text.split(separator: "\n").map(String.init)
            }
            let numbers = kept.compactMap { Int($0.split(separator: " ")[1]) }
            #expect(
                numbers.last == 999 && numbers == Array(numbers.first!...999),
                "the newest lines, none lost between files")
            // Reopened, it appends and keeps counting from the size on disk.
            let again = try LogFile(LogFile.Settings(path: path, maxBytes: 4096, keep: 3))
            again.write(Data(repeating: 0x79, count: 4000))
            #expect(
                try String(contentsOfFile: path + ".1", encoding: .utf8).hasSuffix(
                    "line 999 \(String(repeating: "x", count: 40))\n"))
        }
    }

    /// Lines are written without Foundation's serializer: whatever a message or field holds, each
    /// line parses back as JSON to the same strings.
    @Test func logLinesAreJSONWhateverTheyHold() throws {
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{07} delete \u{7F} é ✂️ 𝄞 end"
        let bytes = JSONLogHandler.line(
            time: JSONLogHandler.timestamp(),
            [("message", "first"), ("message", awkward), ("job_id", "j-1"), ("a.b", "")])
        #expect(bytes.last == UInt8(ascii: "\n") && !bytes.dropLast().contains(UInt8(ascii: "\n")))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String])
        #expect(
            object["message"] == awkward && object["job_id"] == "j-1" && object["a.b"] == "",
            "the last of a repeated key")
        let time = try #require(object["time"])
        #expect(time.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(time)")
        let parsed = try #require(try? Date(time, strategy: .iso8601))
        #expect(abs(parsed.timeIntervalSinceNow) < 5)
    }
}
