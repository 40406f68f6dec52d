#!/usr/bin/env bash
# Generates test media with FFmpeg's lavfi sources; nothing is downloaded or committed.
# Usage: scripts/make-test-media.sh OUTDIR [NAME...]   (no names: the small set the tests use)
# Every file has known properties, listed beside its recipe. Existing files are kept.
set -euo pipefail
out=${1:?usage: make-test-media.sh OUTDIR [NAME...]}
shift || true
mkdir -p "$out"
ff() { ffmpeg -hide_banner -nostdin -loglevel error -y "$@"; }

# Loud tone for 4 s, then 2 s of silence, repeating: audio with known loud and silent parts.
tone_with_gaps="sine=frequency=440:sample_rate=48000,volume='if(lt(mod(t,6),4),1,0)':eval=frame"

make() {
  local name=$1 file="$out/$1"
  [ -s "$file" ] && return 0
  case $name in
    gop2s.mp4)
      # 20 s, 640x360, 30 fps, H.264 with B-frames, a keyframe exactly every 2 s (60 frames,
      # scene-cut keyframes off), AAC audio: 4 s tone / 2 s silence.
      ff -f lavfi -i "testsrc2=size=640x360:rate=30:duration=20" -f lavfi -i "$tone_with_gaps" -t 20 \
         -c:v libx264 -preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -bf 2 -pix_fmt yuv420p \
         -c:a aac -b:a 128k -shortest "$file.tmp.mp4" ;;
    cuts.mp4)
      # 9 s, 640x360, 30 fps: hard cuts at exactly 3 s (frame 90) and 6 s (frame 180) between three
      # different lavfi sources (testsrc2, smptebars, mandelbrot); tone audio with a silent gap.
      ff -f lavfi -i "testsrc2=size=640x360:rate=30:duration=3" -f lavfi -i "smptebars=size=640x360:rate=30:duration=3" \
         -f lavfi -i "mandelbrot=size=640x360:rate=30,trim=duration=3" -f lavfi -i "$tone_with_gaps" \
         -filter_complex "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]" -map "[v]" -map 3:a -t 9 \
         -c:v libx264 -preset veryfast -g 60 -c:a aac -b:a 128k "$file.tmp.mp4" ;;
    longgop.mp4)
      # 40 s, 640x360, 30 fps, H.264 with 3 B-frames and a 10 s GOP (keyframes at 0, 10, 20, 30 s).
      ff -f lavfi -i "testsrc2=size=640x360:rate=30:duration=40" -f lavfi -i "$tone_with_gaps" -t 40 \
         -c:v libx264 -preset veryfast -g 300 -keyint_min 300 -sc_threshold 0 -bf 3 -pix_fmt yuv420p \
         -c:a aac -b:a 128k "$file.tmp.mp4" ;;
    gop10-720p.mp4)
      # Benchmark source: 10 minutes, 1280x720, 30 fps, 10 s GOP, 2 B-frames.
      ff -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=600" -f lavfi -i "$tone_with_gaps" -t 600 \
         -c:v libx264 -preset superfast -g 300 -keyint_min 300 -sc_threshold 0 -bf 2 -pix_fmt yuv420p \
         -c:a aac -b:a 128k "$file.tmp.mp4" ;;
    gop10-720p-nob.mp4)
      # The same without B-frames (as many cameras and hardware encoders write).
      ff -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=600" -f lavfi -i "$tone_with_gaps" -t 600 \
         -c:v libx264 -preset superfast -g 300 -keyint_min 300 -sc_threshold 0 -bf 0 -pix_fmt yuv420p \
         -c:a aac -b:a 128k "$file.tmp.mp4" ;;
    longgop-nob.mp4)
      # 40 s, 10 s GOP, no B-frames: smart cut copies through to the end.
      ff -f lavfi -i "testsrc2=size=640x360:rate=30:duration=40" -f lavfi -i "$tone_with_gaps" -t 40 \
         -c:v libx264 -preset veryfast -g 300 -keyint_min 300 -sc_threshold 0 -bf 0 -pix_fmt yuv420p \
         -c:a aac -b:a 128k "$file.tmp.mp4" ;;
    long1h.mp4)
      # Benchmark source: 60 minutes, cuts10m-720p.mp4 six times over (stream copy, no re-encode).
      make cuts10m-720p.mp4
      ff -stream_loop 5 -i "$out/cuts10m-720p.mp4" -map 0 -c copy -movflags +faststart "$file.tmp.mp4" ;;
    long2h.mp4)
      # Benchmark source: 2 hours, 640x360, 30 fps, keyframe every 2 s, AAC.
      ff -f lavfi -i "testsrc2=size=640x360:rate=30:duration=7200" -f lavfi -i "$tone_with_gaps" -t 7200 \
         -c:v libx264 -preset ultrafast -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p \
         -c:a aac -b:a 96k "$file.tmp.mp4" ;;
    noaudio.mp4)
      # 6 s, 320x240, 25 fps, keyframe every 25 frames, no audio stream.
      ff -f lavfi -i "testsrc=size=320x240:rate=25:duration=6" -c:v libx264 -preset veryfast -g 25 -sc_threshold 0 \
         -pix_fmt yuv420p "$file.tmp.mp4" ;;
    audio-only.m4a)
      # 5 s of tone and nothing else: must fail with no_video_stream.
      ff -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=5" -c:a aac "$file.tmp.m4a" ;;
    corrupt.mp4)
      # The first 64 KiB of gop2s.mp4 with its header overwritten: FFmpeg cannot read it.
      make gop2s.mp4
      head -c 65536 "$out/gop2s.mp4" > "$file.tmp.mp4"
      printf 'garbage-garbage-garbage-garbage!' | dd of="$file.tmp.mp4" bs=1 seek=0 conv=notrunc status=none ;;
    long720p.mp4)
      # 10 minutes, 1280x720, 30 fps, keyframe every 2 s, AAC: the benchmark source.
      ff -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=600" -f lavfi -i "$tone_with_gaps" -t 600 \
         -c:v libx264 -preset ultrafast -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p \
         -c:a aac -b:a 128k -shortest "$file.tmp.mp4" ;;
    analysis.mp4)
      # Analysis ground truth: 30 s, 640x360, 30 fps, keyframe every 2 s.
      #   hard cuts at frames 120, 210, 300, 420, 510, 720, 810 (4, 7, 10, 14, 17, 24, 27 s);
      #   4 s → 7 s: the same picture mirrored (a cut between shots of the same colours);
      #   a 2-frame white flash at 2 s, a camera pan 10–14 s: neither is a cut;
      #   14–17 s frozen (one frame held); fade out 19–20 s, black 20–21 s, fade in 21–22 s
      #   (no hard cut); 24–27 s blurred; 27–30 s a recoloured, mirrored picture. Audio 440 Hz at −20 dBFS, silent 8–10 s and 25–26 s,
      #   loud (−3 dBFS) 13–17 s.
      local s="size=640x360:rate=30"
      ff -f lavfi -i "testsrc2=$s:duration=4,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(n,60,61)'" \
         -f lavfi -i "testsrc2=$s:duration=3,hflip" \
         -f lavfi -i "mandelbrot=$s,trim=duration=3" \
         -f lavfi -i "testsrc2=size=1280x360:rate=30:duration=4,crop=640:360:x='t*150'" \
         -f lavfi -i "mandelbrot=$s:start_scale=0.5,trim=end_frame=1,tpad=stop_mode=clone:stop_duration=3,trim=end_frame=90" \
         -f lavfi -i "testsrc2=$s:duration=3,fade=t=out:st=2:d=1" \
         -f lavfi -i "color=c=black:$s:duration=1" \
         -f lavfi -i "cellauto=$s:rule=110,fade=t=in:st=0:d=1,trim=duration=3" \
         -f lavfi -i "testsrc=$s:duration=3,gblur=sigma=8" \
         -f lavfi -i "testsrc2=$s:duration=3,vflip,hue=h=120" \
         -f lavfi -i "aevalsrc=exprs='if(between(t\,8\,10)+between(t\,25\,26)\,0\,if(between(t\,13\,17)\,0.7\,0.1))*sin(2*PI*440*t)':s=48000:d=30" \
         -filter_complex "[0:v][1:v][2:v][3:v][4:v][5:v][6:v][7:v][8:v][9:v]concat=n=10:v=1:a=0,settb=1/30,setpts=N,format=yuv420p[v]" \
         -map "[v]" -map 10:a -t 30 -r 30 -c:v libx264 -preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p \
         -c:a aac -b:a 160k "$file.tmp.mp4" ;;
    cuts10m-720p.mp4)
      # Benchmark source for cut detection: 10 minutes, 1280x720, 30 fps, shots of 3 to 15 s
      # from different lavfi sources (and mirrored or recoloured copies of the same one), some
      # with a white flash or a camera pan inside, which are not cuts; tone audio with gaps. The true cuts (first frame
      # of each new shot) are written one per line to cuts10m-720p.cuts.
      local inputs=() chain="" n=0 frame=0 cuts=()
      local lengths=(7 4 12 5 9 15 3 8 11 6 10 4 13 5 8)
      local z="size=1280x720:rate=30"
      while [ $frame -lt 18000 ]; do
        local d=${lengths[$((n % ${#lengths[@]}))]}
        [ $((frame + d * 30)) -gt 18000 ] && d=$(( (18000 - frame) / 30 ))
        local src
        case $((n % 8)) in
          0) src="testsrc2=$z:duration=$d" ;;
          1) src="testsrc2=$z:duration=$d,hflip" ;;
          2) src="mandelbrot=size=320x180:rate=30:start_scale=$((2 + n % 3)),trim=duration=$d,scale=1280:720" ;;
          3) src="testsrc2=size=2560x720:rate=30:duration=$d,crop=1280:720:x='t*(2560-1280)/$d'" ;;
          4) src="cellauto=$z:rule=$((30 + 2 * n % 60)),trim=duration=$d" ;;
          5) src="testsrc=$z:duration=$d,hue=h=$((n * 37 % 360))" ;;
          6) src="testsrc2=$z:duration=$d,vflip,hue=h=$((n * 53 % 360))" ;;
          7) src="smptehdbars=$z:duration=$d,drawbox=x='mod(t*200\,1000)':y=300:w=200:h=120:color=white:t=fill" ;;
        esac
        # Every third shot has a two-frame white flash a second in: not a cut.
        [ $((n % 3)) -eq 2 ] && src="$src,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(n\,30\,31)'"
        inputs+=(-f lavfi -i "$src")
        chain="$chain[$n:v]"
        [ $n -gt 0 ] && cuts+=($frame)
        frame=$((frame + d * 30))
        n=$((n + 1))
      done
      ff "${inputs[@]}" -f lavfi -i "$tone_with_gaps" \
         -filter_complex "${chain}concat=n=$n:v=1:a=0,settb=1/30,setpts=N,format=yuv420p[v]" \
         -map "[v]" -map "$n:a" -frames:v 18000 -r 30 -c:v libx264 -preset superfast -g 300 -pix_fmt yuv420p \
         -c:a aac -b:a 128k -t 600 "$file.tmp.mp4"
      printf '%s\n' "${cuts[@]}" > "$out/cuts10m-720p.cuts" ;;
    # --- inputs that must work (6 s each unless said otherwise; 30 fps testsrc2 with a tone) ---
    rotated.mp4)
      # 320x180 coded, rotation metadata 90°: shows as 180x320. (FFmpeg 5.1 writes the display
      # matrix from a rotate tag only when remuxing.)
      ff -f lavfi -i "testsrc2=size=320x180:rate=30:duration=6" -f lavfi -i "$tone_with_gaps" -t 6 \
         -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac "$file.upright.mp4"
      ff -i "$file.upright.mp4" -c copy -metadata:s:v:0 rotate=90 "$file.tmp.mp4"
      rm -f "$file.upright.mp4" ;;
    anamorphic.mp4)
      # 480x360 coded with 4:3 pixels: shows as 640x360.
      ff -f lavfi -i "testsrc2=size=480x360:rate=25:duration=6,setsar=4/3" -f lavfi -i "$tone_with_gaps" -t 6 \
         -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac "$file.tmp.mp4" ;;
    vfr.mkv)
      # Variable frame rate: 3 s at 30 fps then 3 s at 10 fps.
      ff -f lavfi -i "testsrc2=size=320x240:rate=30:duration=3" -f lavfi -i "testsrc2=size=320x240:rate=10:duration=3" \
         -f lavfi -i "$tone_with_gaps" -filter_complex "[0:v][1:v]concat=n=2:v=1:a=0[v]" -map "[v]" -map 2:a -t 6 \
         -fps_mode vfr -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a libopus "$file.tmp.mkv" ;;
    multiaudio.mkv)
      # Two audio tracks: 440 Hz first, 880 Hz second and marked default.
      ff -f lavfi -i "testsrc2=size=320x240:rate=30:duration=6" -f lavfi -i "sine=frequency=440:duration=6" \
         -f lavfi -i "sine=frequency=880:duration=6" -map 0:v -map 1:a -map 2:a -c:v libx264 -preset veryfast -pix_fmt yuv420p \
         -c:a aac -disposition:a:0 0 -disposition:a:1 default "$file.tmp.mkv" ;;
    hevc.mp4)
      ff -f lavfi -i "testsrc2=size=320x240:rate=30:duration=6" -f lavfi -i "$tone_with_gaps" -t 6 \
         -c:v libx265 -preset ultrafast -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p -c:a aac "$file.tmp.mp4" ;;
    vp9.webm)
      ff -f lavfi -i "testsrc2=size=320x240:rate=30:duration=6" -f lavfi -i "$tone_with_gaps" -t 6 \
         -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 500k -c:a libopus "$file.tmp.webm" ;;
    mpeg4.avi)
      # MPEG-4 Part 2 in AVI, MP3-less (PCM audio).
      ff -f lavfi -i "testsrc2=size=320x240:rate=25:duration=6" -f lavfi -i "$tone_with_gaps" -t 6 \
         -c:v mpeg4 -q:v 5 -c:a pcm_s16le "$file.tmp.avi" ;;
    h264.mov)
      ff -f lavfi -i "testsrc2=size=320x240:rate=30:duration=6" -f lavfi -i "$tone_with_gaps" -t 6 \
         -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac "$file.tmp.mov" ;;
    subs.mkv)
      # A subtitle track and a font attachment beside the video: both must be dropped, not fail.
      printf '1\n00:00:00,500 --> 00:00:02,000\nhello\n\n2\n00:00:03,000 --> 00:00:05,000\nworld\n' > "$out/subs.srt"
      printf 'not really a font' > "$out/attachment.ttf"
      ff -f lavfi -i "testsrc2=size=320x240:rate=30:duration=6" -f lavfi -i "$tone_with_gaps" -i "$out/subs.srt" -t 6 \
         -map 0:v -map 1:a -map 2:s -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -c:s srt \
         -attach "$out/attachment.ttf" -metadata:s:t mimetype=application/x-truetype-font "$file.tmp.mkv" ;;
    odd.mp4)
      # Odd width and height (4:4:4 allows them).
      ff -f lavfi -i "testsrc2=size=321x241:rate=30:duration=6" -f lavfi -i "$tone_with_gaps" -t 6 \
         -c:v libx264 -preset veryfast -pix_fmt yuv444p -c:a aac "$file.tmp.mp4" ;;
    tenbit422.mp4)
      # 10-bit 4:2:2 H.264 (High 4:2:2): out must be 8-bit 4:2:0.
      ff -f lavfi -i "testsrc2=size=320x240:rate=30:duration=6" -f lavfi -i "$tone_with_gaps" -t 6 \
         -c:v libx264 -preset veryfast -pix_fmt yuv422p10le -c:a aac "$file.tmp.mp4" ;;
    truncated.mp4)
      # The first half of gop2s.mp4, whose index (moov) is at the end: unreadable.
      make gop2s.mp4
      head -c $(( $(stat -c %s "$out/gop2s.mp4") / 2 )) "$out/gop2s.mp4" > "$file.tmp.mp4" ;;
    speech.mp4)
      # 40 s, 640x360, 30 fps, mono 48 kHz AAC: espeak-ng speaking six known sentences, each
      # starting at a known second, silence between; speech.sentences.json lists each sentence's
      # text, start and end (the end measured from the spoken file).
      local speech tsv at text inputs=() delays="" n=0
      speech=$(mktemp -d)
      tsv=$'1.0\tWelcome to the quarterly product review.\n7.0\tToday we will talk about pricing and the new plans.\n13.5\tWhy did so many customers leave last spring?\n20.0\tThe pricing page confused a lot of people.\n26.5\tWe fixed the pricing page and sales doubled!\n33.0\tThank you all for listening, see you next time.'
      printf '[' >"$out/speech.sentences.json.tmp"
      while IFS=$'\t' read -r at text; do
        # Trimmed to the speech itself, so the times listed are when the words are heard.
        espeak-ng -v en-us -s 150 -w "$speech/raw$n.wav" "$text"
        ff -i "$speech/raw$n.wav" -af "silenceremove=start_periods=1:start_threshold=-45dB,areverse,silenceremove=start_periods=1:start_threshold=-45dB,areverse" "$speech/$n.wav"
        local length
        length=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$speech/$n.wav")
        [ "$n" -gt 0 ] && printf ',' >>"$out/speech.sentences.json.tmp"
        printf '{"text":"%s","start":%s,"end":%s}' "$text" "$at" "$(awk -v a="$at" -v b="$length" 'BEGIN { print a + b }')" >>"$out/speech.sentences.json.tmp"
        inputs+=(-i "$speech/$n.wav")
        delays+="[$n:a]aresample=48000,adelay=delays=$(awk -v a="$at" 'BEGIN { printf "%d", a * 1000 }'):all=1[s$n];"
        n=$((n + 1))
      done <<<"$tsv"
      printf ']\n' >>"$out/speech.sentences.json.tmp"
      ff "${inputs[@]}" -f lavfi -i "testsrc2=size=640x360:rate=30:duration=40" \
         -filter_complex "${delays}$(for i in $(seq 0 $((n - 1))); do printf '[s%s]' "$i"; done)amix=inputs=$n:normalize=0:duration=longest,apad=whole_dur=40[a]" \
         -map "$n:v" -map "[a]" -t 40 -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p -c:a aac -b:a 96k -ac 1 "$file.tmp.mp4"
      rm -rf "$speech"
      mv "$out/speech.sentences.json.tmp" "$out/speech.sentences.json" ;;
    fillers.mp4)
      # About 9 s, 640x360, 30 fps, mono AAC: espeak-ng saying two sentences with "um" and "uh"
      # in them, for cutting filler words out by the transcript's word times.
      local speech
      speech=$(mktemp -d)
      espeak-ng -v en-us -s 150 -w "$speech/raw.wav" \
        "So, um, I think we should, uh, go to the market now. Um, the prices are, uh, lower there."
      ff -i "$speech/raw.wav" -f lavfi -i "testsrc2=size=640x360:rate=30" -map 1:v -map 0:a -shortest \
         -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p -c:a aac -b:a 96k -ac 1 -ar 48000 "$file.tmp.mp4"
      rm -rf "$speech" ;;
    face-pan.mp4|faces-two.mp4)
      # 1280x720, 30 fps, silent tone audio. A face from opencv-doc's messi5.jpg (the 110x140
      # around it, enlarged 3x to 330x420; the face itself about 90 px) on plain backgrounds.
      # face-pan.mp4, 12 s: the face's centre moves from x=200 to x=1080 px over the first 8 s;
      # then a hard cut to another background with the face still, centred at x=300, to 12 s.
      # faces-two.mp4, 6 s: two copies of it, still, centred at x=250 and x=1030.
      local photo=/usr/share/doc/opencv-doc/examples/data/messi5.jpg
      [ -f "$photo" ] || { echo "make-test-media.sh: $photo is missing: apt-get install opencv-doc" >&2; return 2; }
      local patch="crop=110:140:187:44,scale=330:420,setsar=1"
      if [ "$name" = face-pan.mp4 ]; then
        ff -loop 1 -framerate 30 -i "$photo" -f lavfi -i "color=c=0x5a7d9a:size=1280x720:rate=30:duration=8" \
           -f lavfi -i "color=c=0x9a6a4a:size=1280x720:rate=30:duration=4" -f lavfi -i "sine=frequency=300:sample_rate=48000" \
           -filter_complex "[0:v]${patch},split[p1][p2];[1:v][p1]overlay=x='35+110*t':y=150:shortest=1[a];[2:v][p2]overlay=x=135:y=150:shortest=1[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]" \
           -map "[v]" -map 3:a -t 12 -c:v libx264 -preset veryfast -g 60 -c:a aac -b:a 64k "$file.tmp.mp4"
      else
        ff -loop 1 -framerate 30 -i "$photo" -f lavfi -i "color=c=0x5a7d9a:size=1280x720:rate=30:duration=6" -f lavfi -i "sine=frequency=300:sample_rate=48000" \
           -filter_complex "[0:v]${patch},split[p1][p2];[1:v][p1]overlay=x=85:y=150:shortest=1[a];[a][p2]overlay=x=865:y=150:shortest=1,format=yuv420p[v]" \
           -map "[v]" -map 2:a -t 6 -c:v libx264 -preset veryfast -g 60 -c:a aac -b:a 64k "$file.tmp.mp4"
      fi ;;
    clean.mp4|noisy.mp4)
      # 8 s, 320x180, 25 fps, nearly lossless (crf 8): the same pictures and tone (4 s on, 2 s off),
      # noisy.mp4 with strong temporal grain on the pictures and hiss under the sound. What
      # denoising removes is measured against clean.mp4.
      local grain="null" hiss="anullsrc=r=48000:cl=mono"
      if [ "$name" = noisy.mp4 ]; then grain="noise=alls=28:allf=t+u"; hiss="anoisesrc=r=48000:a=0.02:c=white"; fi
      ff -f lavfi -i "testsrc2=size=320x180:rate=25:duration=8" -f lavfi -i "$tone_with_gaps" -f lavfi -i "$hiss" \
         -filter_complex "[0:v]$grain,format=yuv420p[v];[1:a]volume=0.3[t];[t][2:a]amix=inputs=2:duration=first:normalize=0[a]" \
         -map "[v]" -map "[a]" -t 8 -c:v libx264 -preset veryfast -crf 8 -g 50 -c:a aac -b:a 192k -ac 1 "$file.tmp.mp4" ;;
    interlaced.mp4)
      # 4 s, 640x360, 25 fps interlaced (top field first, field_order tt) from 50 fps motion: combing on every frame.
      ff -f lavfi -i "testsrc2=size=640x360:rate=50:duration=4" -vf "tinterlace=mode=interleave_top,format=yuv420p" \
         -c:v libx264 -preset veryfast -crf 16 -flags +ildct+ilme -x264-params interlaced=1:tff=1 -an "$file.tmp.mp4" ;;
    shaky.mp4)
      # 6 s, 640x360, 25 fps: one still picture seen through a window that jitters (a hand-held camera).
      ff -f lavfi -i "testsrc2=size=960x540:rate=25:duration=0.04" -vf \
         "loop=loop=150:size=1:start=0,setpts=N/25/TB,crop=640:360:x='160+30*sin(2*PI*t*3.1)+15*sin(2*PI*t*7.3)':y='90+25*cos(2*PI*t*2.3)+12*sin(2*PI*t*5.7)',format=yuv420p" \
         -t 6 -c:v libx264 -preset veryfast -crf 16 -an "$file.tmp.mp4" ;;
    lowcontrast.mp4)
      # 4 s, 320x180, 25 fps: testsrc2 washed out (a narrow grey range, about 40 %-75 % luma, faded colours), with
      # sound that is loud for 2 s, then 14 dB quieter for 2 s.
      ff -f lavfi -i "testsrc2=size=320x180:rate=25:duration=4" \
         -f lavfi -i "sine=frequency=330:sample_rate=48000,volume='if(lt(t,2),0.5,0.1)':eval=frame" \
         -vf "eq=contrast=0.4:brightness=0.08:saturation=0.4,format=yuv420p" -t 4 -c:v libx264 -preset veryfast -crf 12 \
         -c:a aac -b:a 128k "$file.tmp.mp4" ;;
    banded.mp4)
      # 2 s, 320x180, 25 fps: a slow gradient quantised to steps of 4 luma levels (visible bands), nearly lossless;
      # a fixed seed, since the gradient's direction is otherwise random and with it how many band edges a frame has.
      ff -f lavfi -i "gradients=size=320x180:rate=25:duration=2:speed=0.001:c0=0x303030:c1=0xa0a0a0:nb_colors=2:seed=1" \
         -vf "format=yuv420p,lutyuv=y='trunc(val/4)*4'" -c:v libx264 -preset veryfast -crf 4 -an "$file.tmp.mp4" ;;
    *) echo "make-test-media.sh: unknown media '$name'" >&2; return 2 ;;
  esac
  mv "$file".tmp.* "$file"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(gop2s.mp4 cuts.mp4 noaudio.mp4 audio-only.m4a corrupt.mp4)
for name in "${names[@]}"; do make "$name"; done
