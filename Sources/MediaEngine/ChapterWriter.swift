import ClipGenCore
import Foundation

/// Writes chapter markers into a finished clip (mp4, mov, webm): the file is copied once with
/// FFmpeg's metadata muxer input (`-map_chapters`), streams untouched, and replaces the original.
public struct ChapterWriter: Sendable {
    public var runner: ProcessRunner
    public var ffmpegPath: String
    public var timeout: Duration

    public init(runner: ProcessRunner = .live, ffmpegPath: String = "ffmpeg", timeout: Duration = .seconds(3600)) {
        self.runner = runner
        self.ffmpegPath = ffmpegPath
        self.timeout = timeout
    }

    public func write(_ chapters: [Chapter], into file: String) async throws {
        guard !chapters.isEmpty else { return }
        let metadata = file + ".chapters.txt"
        let copy = (file as NSString).deletingPathExtension + ".chaptered." + (file as NSString).pathExtension
        defer {
            try? FileManager.default.removeItem(atPath: metadata)
            try? FileManager.default.removeItem(atPath: copy)
        }
        try Data(Self.metadata(chapters).utf8).write(to: URL(fileURLWithPath: metadata))
        let output = try await runner.run(
            ProcessSpec(
                executable: ffmpegPath,
                arguments: [
                    "-hide_banner", "-nostdin", "-y", "-v", "error", "-i", file, "-f", "ffmetadata", "-i", metadata,
                    "-map", "0", "-map_metadata", "0", "-map_chapters", "1", "-c", "copy",
                ] + (file.hasSuffix(".webm") ? [] : ["-movflags", "+faststart"]) + [copy],
                timeout: timeout))
        guard output.succeeded else {
            throw MediaError(
                .renderFailed, "FFmpeg could not write the chapter markers",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
        guard rename(copy, file) == 0 else {
            throw MediaError(.renderFailed, "the clip with chapter markers could not replace the clip")
        }
    }

    /// FFmpeg's metadata file: one `[CHAPTER]` per chapter in milliseconds, its title escaped
    /// as the format asks (`=`, `;`, `#`, `\` and line breaks).
    static func metadata(_ chapters: [Chapter]) -> String {
        func escape(_ text: String) -> String {
            var out = ""
            for character in text {
                if "=;#\\\n".contains(character) { out.append("\\") }
                out.append(character)
            }
            return out
        }
        return ";FFMETADATA1\n"
            + chapters.map { chapter in
                """
                [CHAPTER]
                TIMEBASE=1/1000
                START=\(Int((chapter.start * 1000).rounded()))
                END=\(Int((chapter.end * 1000).rounded()))
                title=\(escape(chapter.title))

                """
            }.joined()
    }
}
