import ClipGenCore
import Foundation
import MediaEngine

/// What turns a plain cut into a clip for a phone, shared by workers and `clipgen clip`: pauses
/// cut from the speech, a crop that follows the face (or fits the picture), captions for libass.
public struct ClipPresenter: Sendable {
    public var faces: FaceDetector

    public init(faces: FaceDetector) {
        self.faces = faces
    }

    /// Readies a plan's speech and face parts: the pauses cut (`keptRanges`), the crop placed
    /// (`reframe`, after finding faces), the captions written for libass. Answers what the clip
    /// keeps about them. `progress` covers finding faces.
    public func prepare(
        _ plan: inout CutPlan, transcript: Transcript?, media: MediaInfo, scratch: String,
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> ClipPresentation {
        let options = plan.options
        var presentation = ClipPresentation()
        // A clip's own ranges (joined ones), with the pauses and filler words in each cut out when asked.
        let whole = [TimeRange(start: plan.actualStart, end: plan.end)]
        var kept = plan.keptRanges ?? whole
        if let removal = options.removeSilences, let transcript {
            kept = kept.flatMap { removal.keptRanges(start: $0.start, end: $0.end, words: transcript.words) }
        }
        if let fillers = options.removeFillers, let transcript {
            // A clip of nothing but fillers keeps them rather than becoming empty.
            let cut = fillers.cut(kept, words: transcript.words)
            if !cut.isEmpty { kept = cut }
        }
        if kept != whole {
            plan.keptRanges = kept
            presentation.keptRanges = kept.map {
                TimeRange(start: HighlightPicker.round($0.start), end: HighlightPicker.round($0.end))
            }
            presentation.crossfade = plan.crossfade
        }
        let timeline = plan.timeline
        if let ratio = options.aspect.ratio {
            switch options.reframe {
            case .face:
                let samples = try await faces.detect(
                    plan.input, media: media, from: plan.actualStart, to: plan.end, scratch: scratch, progress: progress
                )
                let size = media.displaySize
                let planner = ReframePlanner(
                    cropWidth: ReframePlanner.cropWidth(aspect: ratio, width: size.width, height: size.height))
                var result = planner.plan(samples, duration: plan.outputDuration)
                if plan.keptRanges != nil {
                    // The path was planned on the source's clock; the clip's skips the cut pauses.
                    let start = plan.actualStart
                    let clip = { (t: Double) in timeline.clampedClipTime(start + t) }
                    result.path = result.path.map { .init(time: clip($0.time), x: $0.x) }
                    result.fit = result.fit.map { TimeRange(start: clip($0.start), end: clip($0.end)) }.filter {
                        $0.duration > 0
                    }
                }
                plan.reframe = result
                presentation.reframe = result
            case .fit:
                presentation.reframe = ReframeResult(
                    mode: .fit, layout: .fit, fit: [TimeRange(start: 0, end: timeline.duration)])
            case .center:
                presentation.reframe = ReframeResult(
                    mode: .center, layout: .still, path: [.init(time: 0, x: options.cropX)])
            case nil:
                break
            }
        }
        if let transcript {
            let track = try Self.burnCaptions(transcript, timeline: timeline, into: &plan, scratch: scratch)
            presentation.captions = ClipCaptions(
                burnedIn: plan.captionsFile == nil ? nil : options.captions?.style, lines: track.lines.count,
                words: track.lines.reduce(0) { $0 + $1.words.count })
        }
        return presentation
    }

    /// The clip's caption lines; when the plan's options ask for captions and there are words to
    /// burn, their libass file is written to `scratch` and set as the plan's `captionsFile`.
    @discardableResult
    public static func burnCaptions(
        _ transcript: Transcript, timeline: ClipTimeline, into plan: inout CutPlan, scratch: String
    ) throws -> CaptionTrack {
        let captions = plan.options.captions
        let track = CaptionTrack(transcript: transcript, timeline: timeline, captions: captions)
        guard let captions, !track.lines.isEmpty else { return track }
        let (width, height) = plan.shownSize
        let file = scratch + "/captions.ass"
        let font = plan.captionFont?.family ?? ASSDocument.defaultFont
        try ASSDocument(track: track, options: captions, width: width, height: height, font: font).text.write(
            toFile: file, atomically: true, encoding: .utf8)
        plan.captionsFile = file
        return track
    }
}
