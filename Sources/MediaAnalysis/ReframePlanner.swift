import ClipGenCore
import Foundation

/// Plans a crop that follows the speaker from faces found on sampled frames. Shots are planned
/// apart (a change of shot is a jump in the picture), so the crop never glides across a cut. In a
/// shot it follows one face at a time (the largest first, then whichever is nearest where it
/// was), smoothed over a second and held still while the face stays within a small dead zone.
/// A shot where most frames show no face, or two faces too far apart for one crop, shows the
/// whole picture over a blurred fill instead of jittering between them.
public struct ReframePlanner: Sendable {
    /// The crop's width as a fraction of the picture's (9:16 of a 16:9 picture: 0.316).
    public var cropWidth: Double
    /// How far (fraction of the picture's width) the face may drift before the crop moves.
    public var deadZone: Double
    /// Faces scored below this are not counted.
    public var minScore = 0.5

    public init(cropWidth: Double) {
        self.cropWidth = min(1, max(0.01, cropWidth))
        self.deadZone = 0.08 * self.cropWidth
    }

    /// The crop's width fraction for `aspect` from a picture of `width` by `height`.
    public static func cropWidth(aspect ratio: Double, width: Int, height: Int) -> Double {
        min(1, ratio * Double(height) / Double(max(width, 1)))
    }

    /// `samples` are timed from the clip's start; so is the answer. `cuts`: shot changes known
    /// from an analysis, in the same time, beside those seen in the samples.
    public func plan(_ samples: [FaceDetector.Sample], duration: Double, cuts known: [Double] = []) -> ReframeResult {
        guard cropWidth < 0.999 else {
            return ReframeResult(
                mode: .face, layout: .still, path: [.init(time: 0, x: 0.5)],
                reason: "the picture already has the aspect")
        }
        guard !samples.isEmpty else {
            return ReframeResult(
                mode: .face, layout: .fit, fit: [TimeRange(start: 0, end: duration)], reason: "no frames to look at")
        }
        var path: [ReframeResult.Point] = []
        var fit: [TimeRange] = []
        var reasons: Set<String> = []
        for shot in shots(samples, duration: duration, known: known) {
            let picked = Array(samples[shot.samples])
            switch decide(picked) {
            case .fit(let why):
                reasons.insert(why)
                fit.append(shot.range)
                path += [.init(time: shot.range.start, x: 0.5), .init(time: shot.range.end, x: 0.5)]
            case .follow(let centres):
                path += follow(centres, times: picked.map(\.time), range: shot.range)
            }
        }
        path = Self.simplified(path)
        fit = Self.merged(fit)
        let fitted = fit.reduce(0) { $0 + $1.duration }
        if fitted >= duration - 1e-3 {
            return ReframeResult(
                mode: .face, layout: .fit, fit: [TimeRange(start: 0, end: duration)],
                reason: reasons.sorted().joined(separator: "; "))
        }
        let moving = Set(path.map { ($0.x * 1000).rounded() }).count > 1
        if fit.isEmpty {
            return ReframeResult(
                mode: .face, layout: moving ? .follow : .still, path: path,
                reason: moving ? "following the face" : "the face holds still")
        }
        return ReframeResult(
            mode: .face, layout: .mixed, path: path, fit: fit,
            reason: "following the face; the whole picture where " + reasons.sorted().joined(separator: "; "))
    }

    struct Shot {
        var samples: Range<Int>
        var range: TimeRange
    }

    /// Shots by jumps in the picture: a change well above the clip's usual (and at least 20 of
    /// 255) between two samples, or a cut the analysis found.
    func shots(_ samples: [FaceDetector.Sample], duration: Double, known: [Double]) -> [Shot] {
        let changes = samples.dropFirst().map(\.change).sorted()
        let typical = changes.isEmpty ? 0 : changes[changes.count / 2]
        let threshold = max(20, 4 * typical)
        var boundaries: [Int] = []
        for index in samples.indices.dropFirst() {
            let (before, after) = (samples[index - 1].time, samples[index].time)
            if samples[index].change > threshold || known.contains(where: { $0 > before && $0 <= after }) {
                boundaries.append(index)
            }
        }
        var shots: [Shot] = []
        var first = 0
        var start = 0.0
        for boundary in boundaries + [samples.count] {
            let end = boundary == samples.count ? duration : (samples[boundary - 1].time + samples[boundary].time) / 2
            let cut = known.first {
                $0 > samples[boundary - 1].time && boundary < samples.count && $0 <= samples[boundary].time
            }
            let edge = cut ?? end
            shots.append(Shot(samples: first..<boundary, range: TimeRange(start: start, end: max(start, edge))))
            first = boundary
            start = edge
        }
        return shots
    }

    enum Decision {
        case follow([Double?])
        case fit(String)
    }

    /// Follow one face, or fit the picture: most samples without a face, or with two faces that
    /// one crop cannot hold, mean no single face leads the shot.
    func decide(_ samples: [FaceDetector.Sample]) -> Decision {
        let faces = samples.map { sample in sample.faces.filter { $0.count >= 5 && $0[4] >= minScore } }
        let empty = faces.filter(\.isEmpty).count
        let apart = faces.filter { found in
            let centres = found.sorted { $0[2] * $0[3] > $1[2] * $1[3] }.prefix(2).map { $0[0] + $0[2] / 2 }
            return centres.count == 2 && abs(centres[0] - centres[1]) > cropWidth * 0.8
        }.count
        if 2 * empty > samples.count { return .fit("no face was found") }
        if 2 * apart > samples.count { return .fit("two faces stay apart") }
        // One face at a time: the largest to begin with, then the one nearest the last.
        var centres: [Double?] = []
        var current: Double?
        for found in faces {
            let candidates = found.map { (centre: $0[0] + $0[2] / 2, size: $0[2] * $0[3]) }
            if let last = current, let nearest = candidates.min(by: { abs($0.centre - last) < abs($1.centre - last) }) {
                current = nearest.centre
            } else if let largest = candidates.max(by: { $0.size < $1.size }) {
                current = largest.centre
            }
            centres.append(found.isEmpty ? nil : current)
        }
        return .follow(centres)
    }

    /// The crop's position through one shot: gaps held, smoothed over about a second, held still
    /// inside the dead zone, clamped so the crop stays in the picture.
    func follow(_ centres: [Double?], times: [Double], range: TimeRange) -> [ReframeResult.Point] {
        // A sample without the face holds where it was last seen (or first seen, at the start).
        var last = centres.compactMap { $0 }.first ?? 0.5
        let values = centres.map { centre -> Double in
            if let centre { last = centre }
            return last
        }
        let radius = 2
        let smoothed = values.indices.map { index in
            let window = values[max(0, index - radius)...min(values.count - 1, index + radius)]
            return window.reduce(0, +) / Double(window.count)
        }
        var held = smoothed[0]
        var positions: [Double] = []
        for value in smoothed {
            if value - held > deadZone {
                held = value - deadZone
            } else if held - value > deadZone {
                held = value + deadZone
            }
            positions.append(held)
        }
        let x = positions.map { centre in min(1, max(0, (centre - cropWidth / 2) / (1 - cropWidth))) }
        var points = zip(times, x).map { ReframeResult.Point(time: min(max($0, range.start), range.end), x: $1) }
        points[0].time = range.start
        points.append(.init(time: range.end, x: x[x.count - 1]))
        return points
    }

    /// Fewer points for the same line: within 1 % of the picture's travel (Ramer–Douglas–Peucker),
    /// keeping every step at a shot change.
    static func simplified(_ path: [ReframeResult.Point], tolerance: Double = 0.01) -> [ReframeResult.Point] {
        guard path.count > 2 else { return path }
        var keep = [Bool](repeating: false, count: path.count)
        keep[0] = true
        keep[path.count - 1] = true
        for index in path.indices.dropFirst().dropLast()
        where path[index].time == path[index - 1].time || path[index].time == path[index + 1].time {
            keep[index] = true
        }
        func reduce(_ a: Int, _ b: Int) {
            guard b > a + 1 else { return }
            var worst = a
            var distance = 0.0
            for index in (a + 1)..<b {
                let (p, q) = (path[a], path[b])
                let expected =
                    q.time - p.time < 1e-9 ? q.x : p.x + (q.x - p.x) * (path[index].time - p.time) / (q.time - p.time)
                let off = abs(path[index].x - expected)
                if off > distance { (worst, distance) = (index, off) }
            }
            if distance > tolerance {
                keep[worst] = true
                reduce(a, worst)
                reduce(worst, b)
            }
        }
        var anchor = 0
        for index in path.indices.dropFirst() where keep[index] {
            reduce(anchor, index)
            anchor = index
        }
        var result = path.indices.filter { keep[$0] }.map { path[$0] }
        // Points at the same time and place say nothing.
        result = result.enumerated().filter { i, p in
            i == 0 || !(p.time == result[i - 1].time && p.x == result[i - 1].x)
        }.map(\.element)
        return result.map { .init(time: HighlightPicker.round($0.time), x: (($0.x * 10000).rounded()) / 10000) }
    }

    static func merged(_ ranges: [TimeRange]) -> [TimeRange] {
        var merged: [TimeRange] = []
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, range.start <= last.end + 1e-6 {
                merged[merged.count - 1].end = max(last.end, range.end)
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}
