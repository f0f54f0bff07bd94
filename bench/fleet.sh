#!/usr/bin/env bash
# Fleet mode at scale, on libvirt's embedded test:///default (no guests run), against the manifest
# directory in the same run:
#   1. 1,000 manifests (`ensure: installed`), 500 for each of two daemons (hosts h1, h2), pushed to
#      a 3-member etcd (Debian's etcd, loopback, fsync on, --max-txn-ops 10000 as docs/fleet.md
#      says) -> both hosts converged in `virtctl fleet status`: wall time, and etcd's writes per
#      guest (its own put counter and the revision); against the same 500 manifests copied into each of two directory-mode daemons ->
#      both converged in `virtctl status`.
#   2. the idle cost over IDLE_SECONDS of a fleet daemon and a directory daemon with the same 500
#      guests, side by side in the same window: RSS, CPU, and etcd's writes meanwhile.
# Usage: bench/fleet.sh [IDLE_SECONDS] [BASE_PORT]   (builds nothing: run `mvn -B -DskipTests package`
# first; etcd uses BASE_PORT..BASE_PORT+5, default 23790)
set -euo pipefail
idle=${1:-60}
base=${2:-23790}
per_host=500
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/virtd-fleet-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export PATH=$PATH:/usr/bin
ms() { echo $(($(date +%s%N) / 1000000)); }

# --- etcd: three members on loopback
cluster=""
for i in 0 1 2; do cluster+="${cluster:+,}e$i=http://127.0.0.1:$((base + 2 * i + 1))"; done
endpoints=""
for i in 0 1 2; do
  c=$((base + 2 * i))
  endpoints+="${endpoints:+,}http://127.0.0.1:$c"
  etcd --name "e$i" --data-dir "$work/etcd$i" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$((c + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((c + 1))" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "virtd-bench-$$" \
    --max-txn-ops 10000 \
    > "$work/etcd$i.log" 2>&1 &
  pids+=($!)
done
etcdctl() { command etcdctl --endpoints "$endpoints" "$@"; }
until etcdctl endpoint health > /dev/null 2>&1; do sleep 0.2; done
puts() { curl -s "http://127.0.0.1:$base/metrics" | awk '$1 == "etcd_mvcc_put_total" {print $2 + 0}'; }
revision() { etcdctl endpoint status -w json | grep -o '"revision":[0-9]*' | head -1 | cut -d: -f2; }

# --- four daemons: h1, h2 from etcd; d1, d2 from directories
manifests() { # HOST DIR
  mkdir -p "$2"
  for i in $(seq 1 "$per_host"); do
    printf 'virt: %s-g%04d\nvirt_type: qemu\nmemory: 64\nensure: installed\n' "$1" "$i" > "$2/g$i.yaml"
  done
  chmod 644 "$2"/*.yaml
}
daemon() { # NAME STORE-YAML
  local d=$work/$1
  mkdir -p "$d/m"
  printf 'host: %s\nsocket: %s\nlock_dir: %s\nconnect: test:///default\nconnect_xen: test:///default\nschedule: 1h\nhttp: {listen: "off"}\n%s\n' \
    "$1" "$d/virtd.sock" "$d/locks" "${2:-manifests: $d/m}" > "$d/virtd.yaml"
  chmod 644 "$d/virtd.yaml"
  "$here/bin/virtd" --config "$d/virtd.yaml" > "$d/log" 2>&1 &
  pids+=($!)
  eval "pid_$1=$!"
}
store=$(printf 'store:\n  etcd:\n    endpoints: [%s]\n    prefix: /bench\n' "$endpoints")
daemon h1 "$store"
daemon h2 "$store"
daemon d1 ""
daemon d2 ""
for n in h1 h2 d1 d2; do until grep -q "started:" "$work/$n/log"; do sleep 0.1; done; done
for n in h1 h2 d1 d2; do manifests "$n" "$work/src-$n"; done
virtctl() { "$here/bin/virtctl" "$@"; }

converged_fleet() { # how many guests of h1 and h2 fleet status counts converged, h1 and h2 up
  virtctl fleet status --json --config "$work/h1/virtd.yaml" 2> /dev/null |
    python3 -c 'import json,sys; h={x["host"]:x for x in json.load(sys.stdin)["hosts"]}; print(sum(h[n]["guests_by_state"]["converged"] for n in ("h1","h2") if n in h and h[n]["up"]))' ||
    echo 0
}
converged_dir() { # NAME: guests in sync in virtctl status
  virtctl status --json --socket "$work/$1/virtd.sock" 2> /dev/null |
    python3 -c 'import json,sys; print(sum(1 for g in json.load(sys.stdin)["guests"] if g["observed"] == "as desired" and g["last_result"] == "in sync"))' ||
    echo 0
}

# --- 1. push 2 x 500 -> converged, against the directory
p0=$(puts); r0=$(revision); t0=$(ms)
virtctl push --config "$work/h1/virtd.yaml" --host h1 -m "$work/src-h1" > "$work/push-h1" &
a=$!
virtctl push --config "$work/h1/virtd.yaml" --host h2 -m "$work/src-h2" > "$work/push-h2" &
wait "$a" "$!"
tpush=$(ms)
until [[ $(converged_fleet) -ge $((2 * per_host)) ]]; do sleep 0.5; done
t1=$(ms); p1=$(puts); r1=$(revision)
t2=$(ms)
cp "$work/src-d1/"*.yaml "$work/d1/m/" &
a=$!
cp "$work/src-d2/"*.yaml "$work/d2/m/" &
wait "$a" "$!"
until [[ $(converged_dir d1) -ge $per_host && $(converged_dir d2) -ge $per_host ]]; do sleep 0.5; done
t3=$(ms)
sleep 10
p2=$(puts); r2=$(revision)
guests=$((2 * per_host))
printf 'push of %d manifests (%d to each of h1, h2) -> both converged in fleet status: %.1f s (the two pushes: %.1f s)\n' \
  "$guests" "$per_host" "$(echo "($t1 - $t0) / 1000" | bc -l)" "$(echo "($tpush - $t0) / 1000" | bc -l)"
printf '  baseline, the same manifests copied into two directory daemons -> both converged in status: %.1f s  (ratio %.2f)\n' \
  "$(echo "($t3 - $t2) / 1000" | bc -l)" "$(echo "($t1 - $t0) / ($t3 - $t2)" | bc -l)"
printf '  etcd writes (keys put) from the push to converged: %d, %.2f per guest; revisions: %d (%.2f per guest)\n' \
  "$((p1 - p0))" "$(echo "($p1 - $p0) / $guests" | bc -l)" "$((r1 - r0))" "$(echo "($r1 - $r0) / $guests" | bc -l)"
printf '  the floor: 2 per guest (its desired file and its status, each put once); 10 s later: %d more puts, %d more revisions\n' \
  "$((p2 - p1))" "$((r2 - r1))"

# --- 2. idle, side by side: fleet h1 against directory d1, 500 guests each
kill "$pid_h2" "$pid_d2"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
sleep 5
c0h=$(cpu_ticks "$pid_h1"); c0d=$(cpu_ticks "$pid_d1"); p3=$(puts)
sleep "$idle"
c1h=$(cpu_ticks "$pid_h1"); c1d=$(cpu_ticks "$pid_d1"); p4=$(puts)
hz=$(getconf CLK_TCK)
printf 'idle over %d s, %d guests: fleet daemon RSS %s MiB, CPU %.2f %% of one core; etcd puts meanwhile: %d\n' \
  "$idle" "$per_host" "$(rss_mib "$pid_h1")" "$(echo "($c1h - $c0h) * 100 / $hz / $idle" | bc -l)" "$((p4 - p3))"
printf '  baseline, directory daemon, same guests, same window: RSS %s MiB, CPU %.2f %% of one core\n' \
  "$(rss_mib "$pid_d1")" "$(echo "($c1d - $c0d) * 100 / $hz / $idle" | bc -l)"
