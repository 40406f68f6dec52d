#!/usr/bin/env bash
# Every ratio benchmark in one go on the release build, then one table: the work, the peer it is
# measured against in the same run, ours, theirs, the ratio and the goal (issue 25's targets).
# Each benchmark prints its own lines as it runs and one `RESULT` line per figure (tab
# separated: name, work, peer, ours, theirs, ratio, goal); the table is those lines.
#
# Usage: bench/all.sh            (ROUNDS=3 for the end-to-end ones; ONLY="P1 P3" to run some)
set -euo pipefail
cd "$(dirname "$0")/.."
export CONFIG=${CONFIG:-release}
ROUNDS=${ROUNDS:-3}
log=$(mktemp /tmp/clipgen-bench-all.XXXXXX)
trap 'rm -f "$log"' EXIT

run() { # NAME COMMAND...: runs it unless ONLY leaves it out; its output is kept for the table
  local name=$1; shift
  [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $name "* ]] || return 0
  echo "== $name: $*"
  "$@" 2>&1 | tee -a "$log" || echo "RESULT	$name	(failed: $*)	-	-	-	-	-" >>"$log"
}

scripts/setup.sh
swift build -c "$CONFIG" --product clipgen >/dev/null
run P1 env ROUNDS="$ROUNDS" THUMBNAILS=0 bench/keyframe-e2e.sh
run P1d env ROUNDS="$ROUNDS" THUMBNAILS=1 bench/keyframe-e2e.sh
run P2 bench/smart-vs-exact.sh
run P3 env SKIP_LONG=1 bench/analysis-vs-pyscenedetect.sh
run P4 bench/api-read.sh
run RSS bench/worker-rss.sh
run SEG bench/segment-scaling.sh
run REGIONS bench/regions.sh

echo
echo "bench/all.sh, $(date -u +%Y-%m-%d), $(nproc) cores, CONFIG=$CONFIG"
python3 - "$log" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t")[1:] for l in open(sys.argv[1]) if l.startswith("RESULT\t")]
head = ["", "work", "peer", "ours", "theirs", "ratio", "goal", "met"]
def met(ratio, goal):
    try:
        value, (op, bound) = float(ratio), goal.split()
        return "yes" if (value <= float(bound) if op == "<=" else value >= float(bound)) else "NO"
    except ValueError:
        return "-"
table = [head] + [r + [met(r[5], r[6])] for r in rows if len(r) == 7]
widths = [max(len(r[i]) for r in table) for i in range(len(head))]
for r in table:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
PY
