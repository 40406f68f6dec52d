"""Reads a timeline file with OpenTimelineIO (its cmx_3600 and fcpx_xml adapter plugins for EDL
and FCPXML) and prints what an editor would see, in frames at RATE: each clip's source start,
length and place on the record timeline, and every marker's record frame. For OTIO JSON it also
writes the timeline back and reads it again, which must give the same timeline.

Usage: timeline_read.py FILE otio|edl|fcpxml RATE
"""
import json
import sys

import opentimelineio as otio

path, kind, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
adapter = {"otio": "otio_json", "edl": "cmx_3600", "fcpxml": "fcpx_xml"}[kind]
options = {"rate": rate} if kind == "edl" else {}
timeline = otio.adapters.read_from_file(path, adapter_name=adapter, **options)
if not isinstance(timeline, otio.schema.Timeline):
    timeline = list(timeline.find_children(descended_from_type=otio.schema.Timeline))[0]


def frames(time):
    return round(time.to_frames(rate))


track = timeline.video_tracks()[0]
clips, markers = [], [frames(m.marked_range.start_time) for m in track.markers]
for clip in track.find_clips():
    source, placed = clip.source_range, clip.range_in_parent()
    clips.append({
        "name": clip.name,
        "start": frames(source.start_time),
        "frames": frames(source.duration),
        "record": frames(placed.start_time),
    })
    # A clip's markers are in its source time.
    markers += [frames(placed.start_time) + frames(m.marked_range.start_time) - frames(source.start_time)
                for m in clip.markers]

roundtrip = None
if kind == "otio":
    text = otio.adapters.write_to_string(timeline, "otio_json")
    roundtrip = otio.adapters.read_from_string(text, "otio_json").to_json_string() == timeline.to_json_string()

print(json.dumps({"name": timeline.name, "clips": clips, "markers": sorted(set(markers)), "roundtrip": roundtrip}))
