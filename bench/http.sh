#!/usr/bin/env bash
# The HTTP endpoint's cost and latency, on libvirt's embedded test:///default (no guests run):
#   1. the daemon's start-up (launch -> "started:"), idle RSS and CPU with 50 guests, HTTP off
#      against HTTP on (scraped every 15 s as Prometheus would), one after the other in this run;
#   2. /metrics and /api/v1/guests latency with 1,000 guests: p50 and p99 of 200 requests each.
# Usage: bench/http.sh [IDLE_SECONDS]   (builds nothing: run `mvn -B -DskipTests package` first)
set -euo pipefail
idle=${1:-60}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/virtd-http-bench.XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=
startup_ms=0
port=$((20000 + RANDOM % 20000))

manifests() { # N DIR
  mkdir -p "$2"
  for i in $(seq 1 "$1"); do
    printf 'virt: bench%04d\nvirt_type: qemu\nmemory: 64\n' "$i" > "$2/g$i.yaml"
  done
  chmod 644 "$2"/*.yaml
}

start() { # NAME N HTTP
  local d=$work/$1
  manifests "$2" "$d/m"
  printf 'manifests: %s\nsocket: %s\nlock_dir: %s\nowner: bench\nconnect: test:///default\nconnect_xen: test:///default\nhttp: {listen: "%s"}\n' \
    "$d/m" "$d/virtd.sock" "$d/locks" "$3" > "$d/virtd.yaml"
  chmod 644 "$d/virtd.yaml"
  local t0; t0=$(date +%s%N)
  "$here/bin/virtd" --config "$d/virtd.yaml" > "$d/log" 2>&1 &
  pid=$!
  until grep -q "started:" "$d/log"; do sleep 0.02; done
  startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

idle_run() { # NAME HTTP SCRAPE
  start "$1" 50 "$2"
  sleep 20 # the first pass creates the 50 guests
  local c0; c0=$(cpu_ticks "$pid")
  local end=$((SECONDS + idle))
  while ((SECONDS < end)); do
    if [[ $3 == yes ]]; then curl -sf "http://127.0.0.1:$port/metrics" > /dev/null; fi
    sleep 15
  done
  local c1; c1=$(cpu_ticks "$pid")
  local hz; hz=$(getconf CLK_TCK)
  printf '%-28s start-up %5d ms   idle RSS %6.1f MiB   CPU %5.2f %% of one core over %d s\n' \
    "$1" "$startup_ms" "$(echo "$(rss_kib "$pid") / 1024" | bc -l)" \
    "$(echo "($c1 - $c0) * 100 / $hz / $idle" | bc -l)" "$idle"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

idle_run "HTTP off, 50 guests" off no
idle_run "HTTP on, 50 guests, scraped" "127.0.0.1:$port" yes

start latency 1000 "127.0.0.1:$port"
until [[ $(curl -sf "http://127.0.0.1:$port/api/v1/guests" | grep -o '"name"' | wc -l) -ge 1000 ]]; do sleep 1; done
for path in /metrics /api/v1/guests; do
  curl -sf "http://127.0.0.1:$port$path" > /dev/null # warm up
  for _ in $(seq 1 200); do
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$path"
  done | sort -n | awk -v p="$path" '{a[NR]=$1} END {printf "%-16s 1,000 guests: p50 %.1f ms, p99 %.1f ms (%d requests)\n", p, a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, NR}'
done
echo "size of one /metrics scrape: $(curl -s "http://127.0.0.1:$port/metrics" | wc -c) bytes"
