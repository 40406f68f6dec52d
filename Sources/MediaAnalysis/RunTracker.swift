/// Turns a per-unit on/off signal (black frames, silent blocks) into runs of units that last at
/// least `minimumUnits`, with O(1) memory. Runs are half-open: `start..<end`.
struct RunTracker {
    let minimumUnits: Int
    private(set) var runs: [Range<Int>] = []
    private var runStart: Int?

    init(minimumUnits: Int) {
        self.minimumUnits = max(1, minimumUnits)
    }

    /// Unit `index` is on or off; units arrive in order.
    mutating func update(_ on: Bool, at index: Int) {
        if on {
            if runStart == nil { runStart = index }
        } else {
            close(at: index)
        }
    }

    /// Ends an open run before unit `end`.
    mutating func close(at end: Int) {
        guard let start = runStart else { return }
        runStart = nil
        if end - start >= minimumUnits { runs.append(start..<end) }
    }
}
