import ClipGenCore
import MediaEngine

/// Rendering one clip, the same for a worker and `clipgen clip`: the presentation readied
/// (pauses, crop, captions: `ClipPresenter`), then the cut made with the chosen encoder.
public struct ClipRenderer: Sendable {
    public var presenter: ClipPresenter
    public var cutter: Cutter
    public var encoder: VideoEncoder

    public init(presenter: ClipPresenter, cutter: Cutter, encoder: VideoEncoder = .libx264) {
        self.presenter = presenter
        self.cutter = cutter
        self.encoder = encoder
    }

    public struct Rendered: Sendable {
        /// The plan as cut: its mode, start and end after smart cut's checks, the kept ranges.
        public var plan: CutPlan
        public var loudness: LoudnessMeasurement?
        public var presentation: ClipPresentation
    }

    /// Renders `plan` to its output. `progress` runs from 0 to 1: finding faces takes the first
    /// 30% when the crop follows a face, the cut the rest.
    public func render(
        _ plan: CutPlan, transcript: Transcript?, media: MediaInfo, scratch: String,
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> Rendered {
        var plan = plan
        plan.encoder = encoder
        var presentation = try await presenter.prepare(&plan, transcript: transcript, media: media, scratch: scratch) {
            fraction in
            progress(0.3 * fraction)
        }
        presentation.intro = plan.introDuration
        let share = plan.reframe?.mode == .face ? 0.3 : 0
        let loudness = try await cutter.render(plan) { fraction in progress(share + (1 - share) * fraction) }
        return Rendered(plan: plan, loudness: loudness, presentation: presentation)
    }
}
