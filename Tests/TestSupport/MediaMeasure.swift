import Foundation

/// Figures measured from decoded media with FFmpeg, for checking what a filter did rather than
/// only that it ran.
public enum MediaMeasure {
    /// Average PSNR (dB) of `file`'s frames against `reference`'s, paired by index.
    public static func psnr(_ file: String, against reference: String) throws -> Double {
        let result = try Shell.run(
            "ffmpeg",
            ["-hide_banner", "-nostats", "-i", file, "-i", reference, "-lavfi", "[0:v][1:v]psnr", "-f", "null", "-"])
        guard result.status == 0, let value = last("average:", in: result.stderr) else {
            throw TestFailure("psnr failed: \(result.stderr)")
        }
        return value
    }

    /// How much fine detail a picture holds: the mean squared difference between each frame and
    /// its own blur, as PSNR (lower is more detail).
    public static func detail(_ file: String) throws -> Double {
        let result = try Shell.run(
            "ffmpeg",
            [
                "-hide_banner", "-nostats", "-i", file, "-lavfi", "[0:v]split[a][b];[b]gblur=sigma=1.5[c];[a][c]psnr",
                "-f", "null", "-",
            ])
        guard result.status == 0, let value = last("average:", in: result.stderr) else {
            throw TestFailure("detail failed: \(result.stderr)")
        }
        return value
    }

    /// RMS level (dBFS) of the sound from `start` for `duration` seconds.
    public static func rmsLevel(_ file: String, from start: Double, for duration: Double) throws -> Double {
        let result = try Shell.run(
            "ffmpeg",
            [
                "-hide_banner", "-nostats", "-ss", "\(start)", "-t", "\(duration)", "-i", file, "-vn", "-af",
                "astats=measure_perchannel=none:measure_overall=RMS_level", "-f", "null", "-",
            ])
        guard result.status == 0, let value = last("RMS level dB:", in: result.stderr) else {
            throw TestFailure("astats failed: \(result.stderr)")
        }
        return value
    }

    /// The share of frames `idet` finds interlaced (combed), 0 to 1.
    public static func combing(_ file: String) throws -> Double {
        let result = try Shell.run(
            "ffmpeg", ["-hide_banner", "-nostats", "-i", file, "-vf", "idet", "-f", "null", "-"])
        guard result.status == 0,
            let line = result.stderr.split(separator: "\n").last(where: { $0.contains("Multi frame detection") })
        else { throw TestFailure("idet failed: \(result.stderr)") }
        func count(_ label: String) -> Double { last(label, in: String(line)) ?? 0 }
        let (tff, bff, progressive, other) = (
            count("TFF:"), count("BFF:"), count("Progressive:"), count("Undetermined:")
        )
        return (tff + bff) / max(1, tff + bff + progressive + other)
    }

    /// Mean frame-to-frame camera motion (pixels) that `vidstabdetect` finds: each frame's median
    /// local motion, averaged.
    public static func motion(_ file: String) throws -> Double {
        let transforms = NSTemporaryDirectory() + "clipgen-motion-\(UUID().uuidString).trf"
        defer { try? FileManager.default.removeItem(atPath: transforms) }
        let result = try Shell.run(
            "ffmpeg", ["-v", "error", "-i", file, "-vf", "vidstabdetect=result=\(transforms)", "-f", "null", "-"])
        guard result.status == 0 else { throw TestFailure("vidstabdetect failed: \(result.stderr)") }
        let text = try String(contentsOfFile: transforms, encoding: .utf8)
        let perFrame = text.split(separator: "\n").filter { $0.hasPrefix("Frame") }.compactMap { line -> Double? in
            let vectors = line.components(separatedBy: "(LM ").dropFirst().compactMap { entry -> Double? in
                let fields = entry.split(separator: " ")
                guard fields.count >= 2, let dx = Double(fields[0]), let dy = Double(fields[1]) else { return nil }
                return (dx * dx + dy * dy).squareRoot()
            }.sorted()
            return vectors.isEmpty ? nil : vectors[vectors.count / 2]
        }
        guard !perFrame.isEmpty else { throw TestFailure("vidstabdetect found no motion fields in \(file)") }
        return perFrame.reduce(0, +) / Double(perFrame.count)
    }

    /// One frame as grey bytes at its own size, with that size.
    public static func grayFrame(_ file: String, index: Int) throws -> (pixels: [UInt8], width: Int, height: Int) {
        let (pixels, width, height) = try rawFrame(file, index: index, pixelFormat: "gray", bytesPerPixel: 1)
        return (pixels, width, height)
    }

    /// One frame as RGB bytes at its own size.
    public static func rgbFrame(_ file: String, index: Int) throws -> RGBFrame {
        let (bytes, width, _) = try rawFrame(file, index: index, pixelFormat: "rgb24", bytesPerPixel: 3)
        return RGBFrame(bytes: bytes, width: width)
    }

    /// Frame `index` (by count, not by seeking) decoded to raw `pixelFormat` bytes at the file's size.
    private static func rawFrame(_ file: String, index: Int, pixelFormat: String, bytesPerPixel: Int) throws -> (
        [UInt8], Int, Int
    ) {
        let (width, height) = try size(file)
        let result = try Shell.run(
            "ffmpeg",
            [
                "-v", "error", "-i", file, "-vf", "select=eq(n\\,\(index)),format=\(pixelFormat)", "-frames:v", "1",
                "-f", "rawvideo", "pipe:1",
            ])
        guard result.status == 0, result.stdout.count == width * height * bytesPerPixel else {
            throw TestFailure("could not decode frame \(index) of \(file): \(result.stderr)")
        }
        return ([UInt8](result.stdout), width, height)
    }

    public struct RGBFrame: Sendable {
        public var bytes: [UInt8]
        public var width: Int

        public func pixel(x: Int, y: Int) -> (red: Int, green: Int, blue: Int) {
            let at = (y * width + x) * 3
            return (Int(bytes[at]), Int(bytes[at + 1]), Int(bytes[at + 2]))
        }
    }

    /// Neighbouring pixels (across and down) whose grey levels differ by at least `step`: band edges.
    public static func steps(_ frame: (pixels: [UInt8], width: Int, height: Int), atLeast step: Int) -> Int {
        let (p, w, h) = frame
        var count = 0
        for y in 0..<h {
            for x in 0..<w {
                let here = Int(p[y * w + x])
                if x + 1 < w, abs(here - Int(p[y * w + x + 1])) >= step { count += 1 }
                if y + 1 < h, abs(here - Int(p[(y + 1) * w + x])) >= step { count += 1 }
            }
        }
        return count
    }

    /// The grey levels between which the middle 98 % of a frame's pixels lie.
    public static func levelRange(_ frame: (pixels: [UInt8], width: Int, height: Int)) -> Int {
        let sorted = frame.pixels.sorted()
        return Int(sorted[sorted.count * 99 / 100]) - Int(sorted[sorted.count / 100])
    }

    /// Width and height of the first video stream.
    public static func size(_ file: String) throws -> (Int, Int) {
        let result = try Shell.run(
            "ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", file])
        let fields = String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: ",").compactMap { Int($0) }
        guard fields.count == 2 else { throw TestFailure("no video size in \(file): \(result.stderr)") }
        return (fields[0], fields[1])
    }

    /// The number after the last `label` in `text`.
    static func last(_ label: String, in text: String) -> Double? {
        guard let range = text.range(of: label, options: .backwards) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " }
        if rest.hasPrefix("-inf") { return -.infinity } // digital silence
        return Double(String(rest.prefix { "0123456789.-".contains($0) }))
    }
}
