#!/usr/bin/env bash
# Benchmark: `clipgen admin backup` to S3 and `clipgen admin restore` from it, on PostgreSQL and
# S3 (SeaweedFS, started here with the test servers), against what an operator scripts without
# ClipGen on the same data in the same run: `pg_dump -Fc` plus `aws s3 sync` of the bucket (and
# `aws s3 cp` of the dump) for the backup; `aws s3 sync` back plus `pg_restore` for the restore.
# The data: a ClipGen database with AUDIT_ROWS audit rows, and FILES stored files of FILE_MB each
# plus BIG files of BIG_MB. Prints each side's seconds and MB/s and the ratios ClipGen / scripts
# (goal >= 0.8), and what a second, incremental backup of unchanged data costs.
#
# Usage: bench/backup.sh   (CONFIG=release; AUDIT_ROWS=300000 FILES=200 FILE_MB=1 BIG=4 BIG_MB=64)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
export AUDIT_ROWS=${AUDIT_ROWS:-300000} FILES=${FILES:-200} FILE_MB=${FILE_MB:-1} BIG=${BIG:-4} BIG_MB=${BIG_MB:-64}
scripts/setup.sh
command -v aws >/dev/null || python3 -m pip install --quiet awscli
swift build -c "$CONFIG" --product clipgen >/dev/null
export CLIPGEN_BENCH_BIN=$(swift build -c "$CONFIG" --show-bin-path)/clipgen

scripts/with-test-servers.sh bash -c '
set -euo pipefail
work=$(mktemp -d /tmp/clipgen-bench.XXXXXX)
trap "rm -rf $work" EXIT
export AWS_ACCESS_KEY_ID=$CLIPGEN_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$CLIPGEN_TEST_S3_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
s3() { aws --endpoint-url "$CLIPGEN_TEST_S3_ENDPOINT" s3 "$@"; }
server=${CLIPGEN_TEST_POSTGRES_URL%/postgres}
for db in bench_source bench_ours bench_peer; do psql -q "$CLIPGEN_TEST_POSTGRES_URL" -c "CREATE DATABASE $db"; done
for bucket in bench-source bench-backups bench-restored bench-peer-restored; do s3 mb "s3://$bucket" >/dev/null; done
service() {
  env CLIPGEN_LOG_LEVEL=warning CLIPGEN_DATABASE_URL="$server/$1" CLIPGEN_S3_ENDPOINT="$CLIPGEN_TEST_S3_ENDPOINT" \
    CLIPGEN_S3_BUCKET="$2" CLIPGEN_S3_ACCESS_KEY_ID="$CLIPGEN_TEST_S3_ACCESS_KEY" \
    CLIPGEN_S3_SECRET_ACCESS_KEY="$CLIPGEN_TEST_S3_SECRET_KEY" CLIPGEN_DATA_DIR="$work/data-$1" "$CLIPGEN_BENCH_BIN" "${@:3}"
}

# The data: the schema made by ClipGen, audit rows in it, files in the bucket under uploads/.
service bench_source bench-source admin org create bench --admin-email bench@example.com >/dev/null
psql -q "$server/bench_source" -c "INSERT INTO audit_events (organization_id, action, target, outcome, status, address, request_id, at)
  SELECT md5(i::text), '\''job.create'\'', md5((i * 7)::text), '\''allowed'\'', 201, '\''203.0.113.'\'' || (i % 250), md5((i * 13)::text), i
  FROM generate_series(1, $AUDIT_ROWS) AS i"
mkdir -p "$work/files/uploads"
for i in $(seq 1 "$FILES"); do head -c "${FILE_MB}M" /dev/urandom >"$work/files/uploads/small-$i"; done
for i in $(seq 1 "$BIG"); do head -c "${BIG_MB}M" /dev/urandom >"$work/files/uploads/big-$i"; done
s3 cp --recursive --only-show-errors "$work/files" s3://bench-source/
rm -rf "$work/files"
database_mb=$(psql -tA "$server/bench_source" -c "SELECT pg_database_size(current_database()) / 1048576.0")
total_mb=$(python3 -c "print($database_mb + $FILES * $FILE_MB + $BIG * $BIG_MB)")

now() { date +%s.%N; }
since() { python3 -c "print(round($(now) - $1, 2))"; }

t=$(now)
pg_dump --format=custom --no-owner --no-privileges --file "$work/peer.pgdump" "$server/bench_source"
s3 cp --only-show-errors "$work/peer.pgdump" s3://bench-backups/peer/database.pgdump
s3 sync --only-show-errors s3://bench-source s3://bench-backups/peer/files
peer_backup=$(since "$t")

t=$(now)
service bench_source bench-source admin backup --to s3://bench-backups/ours --parallel 8 >/dev/null
ours_backup=$(since "$t")

t=$(now)
service bench_source bench-source admin backup --to s3://bench-backups/ours --parallel 8 >/dev/null
ours_again=$(since "$t")
t=$(now)
s3 sync --only-show-errors s3://bench-source s3://bench-backups/peer/files
peer_again=$(since "$t")

t=$(now)
s3 sync --only-show-errors s3://bench-backups/peer/files s3://bench-peer-restored
s3 cp --only-show-errors s3://bench-backups/peer/database.pgdump "$work/restore.pgdump"
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$server/bench_peer" "$work/restore.pgdump"
peer_restore=$(since "$t")

t=$(now)
service bench_ours bench-restored admin restore --from s3://bench-backups/ours --parallel 8 >/dev/null
ours_restore=$(since "$t")

rows=$(psql -tA "$server/bench_ours" -c "SELECT count(*) FROM audit_events")
[ "$rows" = "$AUDIT_ROWS" ] || { echo "restored $rows audit rows, expected $AUDIT_ROWS" >&2; exit 1; }
python3 - "$total_mb" "$peer_backup" "$ours_backup" "$peer_restore" "$ours_restore" "$peer_again" "$ours_again" <<PY
import sys
total, pb, ob, pr, orr, pa, oa = map(float, sys.argv[1:])
print(f"data: {total:.0f} MB (database and files)")
print(f"backup:  pg_dump + aws s3 sync {pb:.2f} s ({total / pb:.0f} MB/s)   clipgen admin backup {ob:.2f} s ({total / ob:.0f} MB/s)   ratio ClipGen/scripts {pb / ob:.2f} (goal >= 0.8)")
print(f"restore: aws s3 sync + pg_restore {pr:.2f} s ({total / pr:.0f} MB/s)   clipgen admin restore {orr:.2f} s ({total / orr:.0f} MB/s)   ratio ClipGen/scripts {pr / orr:.2f} (goal >= 0.8)")
print(f"unchanged data again: aws s3 sync {pa:.2f} s   clipgen admin backup (database dumped again) {oa:.2f} s")
PY
'
