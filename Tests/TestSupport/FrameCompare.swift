import Foundation

/// Decodes single frames as small grey images to compare a clip's frames with its source's.
public enum FrameCompare {
    public static let width = 96, height = 54

    /// Frame number `index` (0-based, in decode order of presentation) of `file`, selected by
    /// index rather than by seeking, so the check does not depend on the seek code under test.
    public static func frame(_ file: String, index: Int) throws -> [UInt8] {
        let result = try Shell.run(
            "ffmpeg",
            [
                "-v", "error", "-i", file, "-vf", "select=eq(n\\,\(index)),scale=\(width):\(height),format=gray",
                "-frames:v", "1", "-f", "rawvideo", "pipe:1",
            ])
        guard result.status == 0, result.stdout.count == width * height else {
            throw TestFailure("could not decode frame \(index) of \(file): \(result.stderr)")
        }
        return [UInt8](result.stdout)
    }

    public static func meanSquaredError(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count)
        var sum = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            sum += d * d
        }
        return sum / Double(a.count)
    }

    /// Which of the source's frames `candidates` the clip's first frame is closest to.
    public static func bestMatch(clip: String, source: String, candidates: [Int]) throws -> (
        index: Int, errors: [Int: Double]
    ) {
        let first = try frame(clip, index: 0)
        var errors: [Int: Double] = [:]
        for candidate in candidates where candidate >= 0 {
            errors[candidate] = meanSquaredError(first, try frame(source, index: candidate))
        }
        let best = errors.min { $0.value < $1.value }!.key
        return (best, errors)
    }

    /// PSNR (dB, `.infinity` for identical frames) of every frame of `clip` against the source's
    /// frames from `firstSourceFrame` on, paired by index, not by time.
    public static func perFramePSNR(clip: String, source: String, firstSourceFrame: Int, count: Int) throws -> [Double]
    {
        let log = NSTemporaryDirectory() + "clipgen-psnr-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: log) }
        let graph =
            "[1:v]select='between(n,\(firstSourceFrame),\(firstSourceFrame + count - 1))',settb=1/30,setpts=N[ref];"
            + "[0:v]settb=1/30,setpts=N[clip];[clip][ref]psnr=stats_file=\(log)"
        let result = try Shell.run(
            "ffmpeg", ["-v", "error", "-i", clip, "-i", source, "-filter_complex", graph, "-f", "null", "-"])
        guard result.status == 0 else { throw TestFailure("psnr failed: \(result.stderr)") }
        return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("psnr_avg:") }) else { return nil }
            let value = field.dropFirst("psnr_avg:".count)
            return value == "inf" ? .infinity : Double(value)
        }
    }

    /// Frames and duration of a file's video stream, counted by decoding.
    public static func videoFrameCount(_ file: String) throws -> Int {
        let result = try Shell.run(
            "ffprobe",
            [
                "-v", "error", "-select_streams", "v:0", "-count_frames",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file,
            ])
        // MPEG-TS lists its streams once more under their program: the first line is the stream's.
        guard
            let count = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").first.flatMap({
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: .punctuationCharacters))
            })
        else {
            throw TestFailure("could not count frames of \(file)")
        }
        return count
    }
}
