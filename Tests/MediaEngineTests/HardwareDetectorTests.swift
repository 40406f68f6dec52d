import Foundation
import Synchronization
import Testing

@testable import MediaEngine

@Suite struct HardwareDetectorTests {
    static let listing = """
        Encoders:
         V..... = Video
         ------
         V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
         V....D h264_nvenc           NVIDIA NVENC H.264 encoder (codec h264)
         V....D h264_vaapi           H.264/AVC (VAAPI) (codec h264)
         A....D aac                  AAC (Advanced Audio Coding)
        """

    /// A runner that answers `-encoders` with `listing` and test encodes per encoder name.
    static func runner(listing: String = listing, works: Set<String>) -> (ProcessRunner, Recorded) {
        let recorded = Recorded()
        let runner = ProcessRunner { spec, _ in
            recorded.append(spec.arguments)
            if spec.arguments.contains("-encoders") {
                return ProcessOutput(exitCode: 0, stdout: listing, stderrTail: "")
            }
            let encoder = spec.arguments[spec.arguments.firstIndex(of: "-c:v")! + 1]
            return works.contains(encoder)
                ? ProcessOutput(exitCode: 0, stdout: "", stderrTail: "")
                : ProcessOutput(exitCode: 1, stdout: "", stderrTail: "[h264_nvenc @ 0x1] Cannot load libcuda.so.1")
        }
        return (runner, recorded)
    }

    @Test func listedIsNotEnoughTheTestEncodeDecides() async {
        let (runner, _) = Self.runner(works: [])
        let report = await HardwareDetector(runner: runner).detect()
        #expect(report.encoder == .libx264 && !report.hasGPU)
        #expect(report.unusable["h264_nvenc"] == "Cannot load libcuda.so.1")
        #expect(report.unusable["h264_vaapi"] != nil)
    }

    @Test func aWorkingNVENCIsChosen() async {
        let (runner, recorded) = Self.runner(works: ["h264_nvenc"])
        let report = await HardwareDetector(runner: runner).detect()
        #expect(report.encoder == .nvenc && report.hasGPU)
        #expect(recorded.all.count == 2, "stops at the first encoder that works")
    }

    @Test func vaapiWhenOnlyItWorks() async {
        let (runner, _) = Self.runner(works: ["h264_vaapi"])
        #expect(await HardwareDetector(runner: runner).detect().encoder == .vaapi)
    }

    @Test func anFFmpegWithoutHardwareEncoders() async {
        let (runner, recorded) = Self.runner(listing: " ------\n V....D libx264   libx264 H.264", works: ["h264_nvenc"])
        let report = await HardwareDetector(runner: runner).detect()
        #expect(report.encoder == .libx264 && report.unusable["h264_nvenc"] == "not built into this FFmpeg")
        #expect(recorded.all.count == 1, "no test encode for an encoder that is not there")
    }

    @Test func aHungFFmpegMeansCPUWithTheReasonAndTheGuardIsTheConfiguredOne() async {
        let guards = Mutex<[Duration]>([])
        let runner = ProcessRunner { spec, _ in
            guards.withLock { $0.append(spec.timeout) }
            throw MediaError(.mediaTimeout, "ffmpeg ran longer than \(spec.timeout) and was stopped")
        }
        let report = await HardwareDetector(runner: runner, timeout: .seconds(7)).detect()
        #expect(report.encoder == .libx264 && !report.hasGPU)
        #expect(report.unusable["*"]?.contains("ran longer than 7") == true, "\(report.unusable)")
        #expect(guards.withLock { $0 } == [.seconds(7)])
    }

    @Test func testEncodeArguments() {
        let nvenc = HardwareDetector.testArguments(.nvenc)
        #expect(nvenc.contains("h264_nvenc") && nvenc.suffix(3) == ["-f", "null", "-"])
        #expect(nvenc.contains("format=nv12,hwupload_cuda,scale_cuda=128:128"))
        let vaapi = HardwareDetector.testArguments(.vaapi)
        #expect(vaapi.firstIndex(of: "-vaapi_device")! < vaapi.firstIndex(of: "-i")!)
        #expect(vaapi.contains("format=nv12,hwupload"))
    }

    @Test func parsesTheEncoderListing() {
        #expect(HardwareDetector.encoderNames(Self.listing) == ["libx264", "h264_nvenc", "h264_vaapi", "aac"])
    }

    /// The real FFmpeg here: without a GPU, nothing hardware is chosen, and each candidate says why.
    @Test func realDetectionFallsBackWithReasons() async {
        let report = await HardwareDetector().detect()
        if !report.hasGPU {
            #expect(report.encoder == .libx264)
            #expect(report.unusable.keys.sorted() == ["h264_nvenc", "h264_vaapi"], "\(report.unusable)")
        }
    }

    @Test func vaapiRenderArguments() {
        let media = CutPlanTests().media
        var plan = CutPlan(
            input: "in", output: "out", start: 1, end: 3, options: .init(mode: .exact, height: 240), media: media)
        plan.encoder = .vaapi
        let args = plan.ffmpegArguments()
        #expect(args.firstIndex(of: "-vaapi_device")! < args.firstIndex(of: "-i")!)
        #expect(
            args.containsSequence(["-vf", "scale=-2:240,format=nv12,hwupload"])
                && args.containsSequence(["-c:v", "h264_vaapi"]))
        var webm = plan
        webm.options.format = .webm
        #expect(!webm.ffmpegArguments().contains("-vaapi_device"), "hardware H.264 only applies to mp4")
    }
}

final class Recorded: Sendable {
    private let storage = Mutex<[[String]]>([])
    var all: [[String]] { storage.withLock { $0 } }
    func append(_ arguments: [String]) { storage.withLock { $0.append(arguments) } }
}
