import ClipGenCore
import Foundation
import MediaEngine

/// Faces on sampled frames of a stretch of video, from the face helper (MediaPipe's full-range
/// BlazeFace, bundled in its wheel) reading frames FFmpeg decodes small.
public struct FaceDetector: Sendable {
    /// One sampled frame.
    public struct Sample: Codable, Sendable, Equatable {
        /// Seconds from the start of the stretch.
        public var time: Double
        /// Mean luma change from the previous sample, 0–255: a shot change shows as a jump.
        public var change: Double
        /// `[x, y, width, height, score]`, as fractions of the frame.
        public var faces: [[Double]]

        public init(time: Double, change: Double, faces: [[Double]]) {
            self.time = time
            self.change = change
            self.faces = faces
        }
    }

    public var helper: PythonHelper
    public var ffmpegPath: String
    /// Frames looked at per second.
    public var samplesPerSecond: Double = 5
    /// Width of the frames looked at; faces of a tenth of the picture's width are well found at 320.
    public var width: Int = 320

    public init(helper: PythonHelper = PythonHelper(), ffmpegPath: String = "ffmpeg") {
        self.helper = helper
        self.ffmpegPath = ffmpegPath
    }

    public func detect(
        _ path: String, media: MediaInfo, from start: Double, to end: Double, scratch: String,
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> [Sample] {
        guard media.video != nil else {
            throw MediaError(.noVideoStream, "the file has no video stream to find faces in")
        }
        let size = media.displaySize
        let height = max(2, Int((Double(width) * Double(size.height) / Double(max(size.width, 1)) / 2).rounded()) * 2)
        let output = scratch + "/faces.json"
        try await helper.run(
            .faces,
            [
                ffmpegPath, path, String(start), String(max(end - start, 0.01)), String(samplesPerSecond),
                String(width), String(height), output,
            ], progress: progress)
        struct Found: Decodable { var samples: [Sample] }
        do {
            return try JSONDecoder().decode(Found.self, from: Data(contentsOf: URL(fileURLWithPath: output))).samples
        } catch {
            throw MediaError(.reframeFailed, "face detection wrote no readable result")
        }
    }
}
