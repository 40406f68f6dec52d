import Foundation

/// Decodes single frames as small grey images to compare a clip's frames with its source's.
public enum FrameCompare {
    public static let width = 96, height = 54

    /// Frame number `index` (0-based, in decode order of presentation) of `file`, selected by
    /// index rather than by seeking, so the check does not depend on the seek code under test.
    public static func frame(_ file: String, index: Int) throws -> [UInt8] {
        let result = try Shell.run("ffmpeg", [
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
    public static func bestMatch(clip: String, source: String, candidates: [Int]) throws -> (index: Int, errors: [Int: Double]) {
        let first = try frame(clip, index: 0)
        var errors: [Int: Double] = [:]
        for candidate in candidates where candidate >= 0 {
            errors[candidate] = meanSquaredError(first, try frame(source, index: candidate))
        }
        let best = errors.min { $0.value < $1.value }!.key
        return (best, errors)
    }

    /// Frames and duration of a file's video stream, counted by decoding.
    public static func videoFrameCount(_ file: String) throws -> Int {
        let result = try Shell.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-count_frames",
                                               "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file])
        guard let count = Int(String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("could not count frames of \(file)")
        }
        return count
    }
}
