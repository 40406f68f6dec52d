import ArgumentParser
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine

struct Clip: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cut one clip from a local file, without a server.")

    @Argument(help: "The source video.") var input: String
    @Option(help: "Start: seconds (12.5) or a timecode (00:00:12.500).") var start: String
    @Option(help: "End: seconds or a timecode.") var end: String
    @Option(
        help:
            """
            keyframe (stream copy from the keyframe before start), exact (re-encode) or smart (copy where it can, \
            re-encode the edges).
            """
    )
    var mode: String = OutputOptions().mode.rawValue
    @Option(help: "mp4, webm, mov, gif, webp, m4a, mp3 or wav (default: from --out's extension, else mp4).")
    var format: String?
    @Option(name: .customLong("video-codec"), help: "mp4: h264, h265, av1; webm: vp9, av1; mov: prores, h264.")
    var videoCodec: String?
    @Option(help: "0 (smallest) to 100 (best), mapped onto the codec's own scale.") var quality: Int?
    @Option(name: .customLong("video-bitrate"), help: "Target video bitrate, kbit/s (instead of --quality).")
    var videoBitrate: Int?
    @Option(name: .customLong("audio-bitrate"), help: "Audio bitrate, kbit/s.") var audioBitrate: Int?
    @Option(help: "original, 16:9, 9:16, 1:1 or 4:5.") var aspect: String = "original"
    @Option(name: .customLong("crop-x"), help: "Crop window position, 0 (left) to 1 (right).") var cropX: Double = 0.5
    @Option(help: "Output height in pixels (even).") var height: Int?
    @Option(help: "Frame-rate cap.") var fps: Double?
    @Option(help: "Seconds of fade in and out.") var fade: Double = 0
    @Flag(name: .customLong("normalize-audio"), help: "EBU R128 loudness normalisation (two-pass loudnorm).")
    var normalizeAudio = false
    @Option(name: .customLong("target-lufs"), help: "Loudness target for --normalize-audio.") var targetLUFS: Double =
        -14
    @Option(help: "Burn in captions from the speech: karaoke, plain or boxed (writes OUT.srt and OUT.vtt too).")
    var captions: String?
    @Option(name: .customLong("caption-position"), help: "bottom, middle or top.") var captionPosition: String =
        "bottom"
    @Option(name: .customLong("font-size"), help: "Caption height, percent of the clip's height.") var fontSize:
        Double = 6
    @Option(name: .customLong("highlight-color"), help: "The spoken word's colour in karaoke captions, #RRGGBB.")
    var highlightColor = "#FFD400"
    @Flag(help: "Captions in capitals.") var uppercase = false
    @Option(name: .customLong("words-per-line"), help: "Most words on one caption line.") var wordsPerLine: Int = 4
    @Option(
        help:
            """
            With an --aspect that crops: face (follow the speaker), center (at --crop-x) or fit (whole picture \
            over a blur).
            """
    )
    var reframe: String?
    @Option(
        help:
            """
            Repairs, as the API's output.enhance: names with their defaults (denoise,sharpen,deband,stabilize,\
            autoLevels,audioDenoise,dynamicNormalize,deinterlace=on,upscale=1080) or its JSON ({"denoise":\
            {"method":"nlmeans","strength":0.7}}).
            """
    )
    var enhance: String?
    @Option(help: "A logo picture laid over the clip, as a brand kit's (PNG with transparency, JPEG, WebP).")
    var logo: String?
    @Option(name: .customLong("logo-position"), help: "top-left, top-right, bottom-left or bottom-right.")
    var logoPosition: String = "top-right"
    @Option(name: .customLong("logo-opacity"), help: "0 to 1.") var logoOpacity: Double = 0.8
    @Option(name: .customLong("logo-size"), help: "The logo's width as a share of the clip's, 0.02 to 0.5.")
    var logoSize: Double = 0.15
    @Option(name: .customLong("caption-font"), help: "A TTF or OTF font the burned-in captions are set in.")
    var captionFont: String?
    @Option(help: "A video joined before the clip, scaled into its picture (a brand kit's intro).") var intro: String?
    @Option(help: "A video joined after the clip (a brand kit's outro).") var outro: String?
    @Flag(name: .customLong("remove-silences"), help: "Cut the pauses out of the speech.") var removeSilences = false
    @Option(name: .customLong("min-silence"), help: "Shortest pause cut by --remove-silences, seconds.") var minSilence:
        Double = 0.6
    @Option(help: "Seconds of each cut pause kept either side.") var padding: Double = 0.15
    @Option(
        name: .customLong("remove-fillers"),
        help: "Cut these filler words out of the speech, comma-separated (e.g. um,uh,erm).")
    var removeFillers: String?
    @Flag(help: "Write OUT.srt and OUT.vtt of the clip's words without burning them in.") var transcribe = false
    @Option(
        name: .customLong("helpers-venv"),
        help: "The speech and face helpers' environment (CLIPGEN_HELPERS_VENV, else .venv-helpers).")
    var helpersVenv: String?
    @Option(name: .customLong("out"), help: "Output file.") var output: String
    @Option(help: "Seconds before FFmpeg is stopped.") var timeout: Double = 3600

    func run() async throws {
        guard let startTime = MediaTime(timecode: start) else {
            throw ValidationError("--start '\(start)' is not seconds or a timecode")
        }
        guard let endTime = MediaTime(timecode: end) else {
            throw ValidationError("--end '\(end)' is not seconds or a timecode")
        }
        let cutMode = try choice(mode, for: "--mode", as: CutMode.self)
        let outputFormat =
            try format.map { try choice($0, for: "--format", as: OutputFormat.self) }
            ?? OutputFormat(rawValue: (output as NSString).pathExtension.lowercased()) ?? .mp4
        let outputAspect = try choice(aspect, for: "--aspect", as: Aspect.self)
        var options = OutputOptions(
            format: outputFormat, mode: cutMode, aspect: outputAspect, height: height, fps: fps, cropX: cropX,
            normalizeAudio: normalizeAudio, targetLUFS: targetLUFS, fadeSeconds: fade)
        if let captions {
            let style = try choice(captions, for: "--captions", as: CaptionOptions.Style.self)
            let position = try choice(captionPosition, for: "--caption-position", as: CaptionOptions.Position.self)
            options.captions = CaptionOptions(
                style: style, position: position, fontSize: fontSize, highlightColor: highlightColor,
                uppercase: uppercase, maxWordsPerLine: wordsPerLine)
        }
        if let reframe {
            options.reframe = try choice(reframe, for: "--reframe", as: Reframe.self)
        }
        if removeSilences { options.removeSilences = SilenceRemoval(minSilence: minSilence, padding: padding) }
        if let removeFillers {
            options.removeFillers = FillerRemoval(
                words: removeFillers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        if let enhance { options.enhance = try Self.enhancement(enhance) }
        options.videoCodec = try videoCodec.map { try choice($0, for: "--video-codec", as: VideoCodec.self) }
        (options.quality, options.videoBitrate, options.audioBitrate) = (quality, videoBitrate, audioBitrate)
        var request = JobRequest(
            source: .init(uploadId: .make()),
            clips: [.init(start: startTime.seconds, end: endTime.seconds)], output: options)
        request.transcribe = transcribe ? true : nil
        if let problem = request.validate().first {
            let flag = problem.field.replacingOccurrences(of: "clips[0].", with: "--").replacingOccurrences(
                of: "output.", with: "--")
            throw ValidationError("\(flag == "clips[0]" ? "the clip" : flag): \(problem.message)")
        }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input): no such file") }
        let overlay = try logo.map { path in
            let kit = BrandKit(
                logo: .init(
                    uploadId: .make(),
                    position: try choice(logoPosition, for: "--logo-position", as: BrandKit.Corner.self),
                    opacity: logoOpacity, size: logoSize))
            if let problem = kit.validate().first {
                throw ValidationError("--\(problem.field.replacingOccurrences(of: ".", with: "-")): \(problem.message)")
            }
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path): no such file") }
            return LogoOverlay(path: path, position: kit.logo!.position, opacity: logoOpacity, size: logoSize)
        }
        let limit = Duration.seconds(timeout)
        let prober = Prober(timeout: limit)
        let media = try await prober.probe(input)
        var family: String?
        if let captionFont {
            guard let data = FileManager.default.contents(atPath: captionFont) else {
                throw ValidationError("\(captionFont): no such file")
            }
            do {
                family = try FontFile.family(of: data)
            } catch {
                throw ValidationError("--caption-font: \(error.description)")
            }
        }
        var bookends = Bookends(intro: nil, outro: nil)
        for (flag, path) in [("--intro", intro), ("--outro", outro)] {
            guard let path else { continue }
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path): no such file") }
            let piece: Bookends.Part
            do {
                piece = try await Bookends.Part(probing: path, with: prober)
            } catch let error as MediaError {
                throw ValidationError("\(flag): \(error.description)")
            }
            if flag == "--intro" { bookends.intro = piece } else { bookends.outro = piece }
        }
        if endTime.seconds > media.duration + media.frameDuration / 2 {
            throw ValidationError(
                JobError.rangeOutsideMedia(clipIndex: 0, end: endTime.seconds, duration: media.duration).message)
        }
        let helper = Transcribe.helper(helpersVenv, timeout: limit)
        let renderer = ClipRenderer(
            presenter: ClipPresenter(faces: FaceDetector(helper: helper)), cutter: Cutter(timeout: limit))
        let (rendered, transcript) = try await withScratch { scratch in
            let transcript =
                request.needsTranscript
                ? try await SpeechRecognizer(helper: helper, timeout: limit).transcribe(
                    input, media: media, scratch: scratch) : nil
            var plan = CutPlan(
                input: input, output: output, start: startTime.seconds, end: endTime.seconds, options: options,
                media: media)
            plan.logo = overlay
            if let captionFont, let family {
                // A directory of the font alone: libass loads every font in it.
                let directory = scratch + "/fonts"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: captionFont, toPath: directory + "/caption.font")
                plan.captionFont = CaptionFont(family: family, directory: directory)
            }
            if bookends.duration > 0 { plan.bookends = bookends }
            return (try await renderer.render(plan, transcript: transcript, media: media, scratch: scratch), transcript)
        }
        let (plan, loudness, presentation) = (rendered.plan, rendered.loudness, rendered.presentation)
        var timeline = plan.timeline
        timeline.lead = presentation.intro ?? 0 // the SRT is on the file's clock, intro included
        let track = transcript.map { CaptionTrack(transcript: $0, timeline: timeline, captions: options.captions) }
        if let track {
            let base = (output as NSString).deletingPathExtension
            try track.srt.write(toFile: base + ".srt", atomically: true, encoding: .utf8)
            try track.vtt.write(toFile: base + ".vtt", atomically: true, encoding: .utf8)
        }
        let duration = try await prober.duration(of: plan)
        var summary: [String: Any] = [
            "output": output, "modeUsed": plan.mode.rawValue, "actualStart": plan.actualStart, "duration": duration,
        ]
        if let reframe = presentation.reframe {
            summary["reframe"] = [
                "layout": reframe.layout.rawValue, "path": reframe.path.map { ["time": $0.time, "x": $0.x] },
                "fit": reframe.fit.map { ["start": $0.start, "end": $0.end] },
            ]
        }
        if let captions = presentation.captions {
            summary["captions"] = ["lines": captions.lines, "words": captions.words]
        }
        summary["intro"] = presentation.intro
        if let kept = presentation.keptRanges {
            summary["keptRanges"] = kept.map { ["start": $0.start, "end": $0.end] }
        }
        summary["fallbackReason"] = plan.fallbackReason
        // The one FFmpeg command a re-encoding cut ran (a smart cut runs several): to rerun or compare.
        if plan.mode == .exact && !plan.needsMotionPass { summary["ffmpegArguments"] = plan.ffmpegArguments() }
        summary["loudnessLUFS"] = loudness?.integrated
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// `--enhance`: the API's JSON, or names (`denoise,upscale=1080`) turned into it.
    static func enhancement(_ text: String) throws -> Enhancement {
        let json: String
        if text.trimmingCharacters(in: .whitespaces).hasPrefix("{") {
            json = text
        } else {
            let fields = try text.split(separator: ",").map { item -> String in
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                switch (parts[0], parts.count > 1 ? parts[1] : nil) {
                case ("upscale", let height?):
                    guard let height = Int(height) else {
                        throw ValidationError("--enhance upscale=HEIGHT needs a number")
                    }
                    return #""upscale":{"height":\#(height)}"#
                case ("deinterlace", let mode?): return #""deinterlace":"\#(mode)""#
                case (let name, nil)
                where Enhancement.CodingKeys(rawValue: name) != nil && name != "upscale"
                    && name != "deinterlace":
                    return #""\#(name)":true"#
                default:
                    throw ValidationError(
                        """
                        --enhance: '\(item)' is not one of denoise, sharpen, deband, stabilize, autoLevels, audioDenoise, \
                        dynamicNormalize, deinterlace=on|off|auto, upscale=HEIGHT
                        """)
                }
            }
            json = "{" + fields.joined(separator: ",") + "}"
        }
        do {
            return try JSONDecoder().decode(Enhancement.self, from: Data(json.utf8))
        } catch let DecodingError.dataCorrupted(context), let DecodingError.typeMismatch(_, context),
            let DecodingError.valueNotFound(_, context)
        {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ValidationError(
                "--enhance \(field.isEmpty ? "" : field + " ")is not valid: \(context.debugDescription)")
        } catch {
            throw ValidationError("--enhance is not valid JSON for output.enhance")
        }
    }
}
