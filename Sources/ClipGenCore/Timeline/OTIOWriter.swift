import Foundation

/// OpenTimelineIO's JSON (`Timeline.1`): a video track of clips referencing the source file with
/// their source ranges, and the markers on the track in record time. OTIO has no caption track;
/// the captions travel in the timeline's metadata (`clipgen.captions`: record frames and text).
enum OTIOWriter {
    static func write(_ timeline: EditTimeline) -> String {
        let rate = timeline.rate
        func time(_ frames: Int) -> [String: Any] {
            ["OTIO_SCHEMA": "RationalTime.1", "rate": rate.fps, "value": Double(frames)]
        }
        func range(_ start: Int, _ frames: Int) -> [String: Any] {
            ["OTIO_SCHEMA": "TimeRange.1", "start_time": time(start), "duration": time(frames)]
        }
        let reference: [String: Any] = [
            "OTIO_SCHEMA": "ExternalReference.1", "name": timeline.source.name, "target_url": timeline.source.name,
            "available_range": range(0, timeline.source.frames), "metadata": [String: Any](),
        ]
        let clips: [[String: Any]] = timeline.segments.map { segment in
            [
                "OTIO_SCHEMA": "Clip.2", "name": segment.name, "enabled": true,
                "source_range": range(segment.sourceStart, segment.frames),
                "media_references": ["DEFAULT_MEDIA": reference], "active_media_reference_key": "DEFAULT_MEDIA",
                "markers": [Any](), "effects": [Any](), "metadata": [String: Any](),
            ]
        }
        let markers: [[String: Any]] = timeline.markers.map { marker in
            [
                "OTIO_SCHEMA": "Marker.2", "name": marker.name, "comment": "",
                "color": marker.kind == .shot ? "BLUE" : marker.kind == .highlight ? "GREEN" : "RED",
                "marked_range": range(marker.frame, marker.frames),
                "metadata": ["clipgen": ["kind": marker.kind.rawValue]],
            ]
        }
        let track: [String: Any] = [
            "OTIO_SCHEMA": "Track.1", "name": "V1", "kind": "Video", "enabled": true, "children": clips,
            "markers": markers, "effects": [Any](), "metadata": [String: Any](), "source_range": NSNull(),
        ]
        // Plain numbers (record frames at the timeline's rate): metadata any OTIO tool keeps as it is.
        let captions: [[String: Any]] = timeline.captions.map {
            ["frame": $0.frame, "frames": $0.frames, "text": $0.text]
        }
        let root: [String: Any] = [
            "OTIO_SCHEMA": "Timeline.1", "name": timeline.name, "global_start_time": NSNull(),
            "metadata": ["clipgen": ["captions": captions]],
            "tracks": [
                "OTIO_SCHEMA": "Stack.1", "name": "tracks", "enabled": true, "children": [track],
                "markers": [Any](), "effects": [Any](), "metadata": [String: Any](), "source_range": NSNull(),
            ] as [String: Any],
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
