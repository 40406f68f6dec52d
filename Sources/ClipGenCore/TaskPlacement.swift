/// Where a kind of task may run. Renders and frame work are FFmpeg filter graphs and encodes: a
/// GPU worker does them faster, but a CPU worker can do every one of them, so they wait for a
/// GPU worker only briefly (`fallback`). Probing, speech, analysis and quality measurement use
/// no GPU and stay on CPU workers, leaving GPU slots to the work that gains from them.
public struct TaskPlacement: Sendable, Equatable {
    /// The capability the task is queued under: `queue_size{capability}` counts it there.
    public var preferred: Capability
    /// Who may take it when no preferred worker has for a while; nil: nobody else.
    public var fallback: Capability?

    public init(preferred: Capability, fallback: Capability? = nil) {
        self.preferred = preferred
        self.fallback = fallback
    }

    public static func only(_ capability: Capability) -> TaskPlacement { TaskPlacement(preferred: capability) }

    public static func either(preferring preferred: Capability, else fallback: Capability) -> TaskPlacement {
        TaskPlacement(preferred: preferred, fallback: fallback)
    }
}

extension TaskKind {
    public var placement: TaskPlacement {
        switch self {
        case .render, .thumbnails, .frames: .either(preferring: .gpu, else: .cpu)
        case .probe, .analyze, .segment, .quality, .transcribe, .speechSegment: .only(.cpu)
        }
    }
}
