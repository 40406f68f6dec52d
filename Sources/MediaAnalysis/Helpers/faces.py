"""ClipGen's face helper: faces on sampled frames of a stretch of video.

Run by the worker as `python -c <this file> FFMPEG INPUT START DURATION FPS WIDTH HEIGHT OUTPUT`,
in the venv that scripts/setup-helpers.sh makes. FFmpeg decodes the frames (FPS a second,
scaled to WIDTH x HEIGHT) into a pipe; MediaPipe's full-range BlazeFace model, bundled in its
wheel, finds the faces. Prints {"progress": f} lines; writes JSON to OUTPUT when complete:
{"samples": [{"time": seconds from START, "change": 0-255, "faces": [[x, y, w, h, score]]}]},
boxes as fractions of the frame, `change` the mean luma change from the previous sample.
Exit status 3: the packages are not installed.
"""
import json
import os
import subprocess
import sys


def main():
    ffmpeg, source, start, duration, fps, width, height, output = sys.argv[1:9]
    start, duration, fps, width, height = float(start), float(duration), float(fps), int(width), int(height)
    try:
        import numpy
        from mediapipe.python.solutions import face_detection
    except ImportError as error:
        print(f"face packages missing: {error}", file=sys.stderr)
        sys.exit(3)
    detector = face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
    decoder = subprocess.Popen(
        [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-ss", f"{start:.6f}", "-t", f"{duration:.6f}",
         "-i", source, "-map", "0:v:0", "-vf", f"fps={fps},scale={width}:{height}", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "pipe:1"], stdout=subprocess.PIPE)
    size = width * height * 3
    samples, previous, index = [], None, 0
    while True:
        data = decoder.stdout.read(size)
        if len(data) < size:
            break
        frame = numpy.frombuffer(data, dtype=numpy.uint8).reshape(height, width, 3)
        luma = frame[::4, ::4].mean(axis=2)
        change = 0.0 if previous is None else float(numpy.abs(luma - previous).mean())
        previous = luma
        found = detector.process(frame)
        faces = []
        for detection in found.detections or []:
            box = detection.location_data.relative_bounding_box
            faces.append([round(box.xmin, 4), round(box.ymin, 4), round(box.width, 4), round(box.height, 4),
                          round(detection.score[0], 3)])
        samples.append({"time": round(index / fps, 3), "change": round(change, 2), "faces": faces})
        index += 1
        if index % 5 == 0:
            print(json.dumps({"progress": min(index / fps / max(duration, 0.001), 1.0)}), flush=True)
    if decoder.wait() != 0:
        print("ffmpeg could not decode the video", file=sys.stderr)
        sys.exit(2)
    partial = output + ".partial"
    with open(partial, "w", encoding="utf-8") as file:
        json.dump({"samples": samples}, file)
    os.replace(partial, output)


main()
