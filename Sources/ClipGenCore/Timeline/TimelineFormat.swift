/// The editors' interchange formats a timeline is exported in.
public enum TimelineFormat: String, Sendable, CaseIterable {
    /// OpenTimelineIO JSON: DaVinci Resolve, Premiere (through its OTIO support), Nuke Studio.
    case otio
    /// CMX 3600 EDL: every editor reads it; one video track, markers as LOC comments, no captions.
    case edl
    /// Final Cut Pro XML 1.9, captions included.
    case fcpxml

    public var contentType: String {
        switch self {
        case .otio: "application/json"
        case .edl: "text/plain; charset=utf-8"
        case .fcpxml: "application/xml"
        }
    }

    public var fileExtension: String { rawValue }

    public func write(_ timeline: EditTimeline) -> String {
        switch self {
        case .otio: OTIOWriter.write(timeline)
        case .edl: EDLWriter.write(timeline)
        case .fcpxml: FCPXMLWriter.write(timeline)
        }
    }
}
