#!/usr/bin/env bash
# TCP proxies side by side: reactor proxy, HAProxy (mode tcp, nbthread 1) and nginx stream
# (1 worker) in front of the same C epoll echo backend, under the same load, in one run.
#
#   scripts/bench-proxy.sh [--seconds N] [--proxies reactor,haproxy,nginx] [--rows "100:64:1 1000:64:1 10:65536:4"]
#
# Cores: the proxy under test on core 0 (one loop/thread/worker); the backend
# (scripts/peers/c_epoll_echo.c) and the load generator (reactor bench echo --threads 1) on core 1.
# A row is connections:message size:pipeline; every echoed byte is verified by the load generator.
# Reports msg/s, proxy CPU µs per message (utime+stime of the proxy's processes from
# /proc/PID/stat over warm-up and run), p99 latency and the proxy's peak RSS, each with its ratio
# to reactor, in bench/proxy-results.md. Each row stops by itself after warm-up + N seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench
BIN=$ROOT/artifacts/bench-bin
WORK=$(mktemp -d)
PORT=${BENCH_PORT:-7700}
BACKEND_PORT=$((PORT + 1))

seconds=5 warmup=1
proxies="reactor,haproxy,nginx"
rows="100:64:1 1000:64:1 10:65536:4"
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift ;;
        --proxies) proxies=$2; shift ;;
        --rows) rows=$2; shift ;;
        *) echo "usage: scripts/bench-proxy.sh [--seconds N] [--proxies reactor,haproxy,nginx] [--rows \"C:SIZE:PIPELINE ...\"]" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '[bench-proxy %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

backend_pid="" proxy_pgid=""
cleanup() {
    [ -n "$proxy_pgid" ] && kill -TERM -- "-$proxy_pgid" 2>/dev/null || true
    [ -n "$backend_pid" ] && kill -TERM "$backend_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

install_missing() {
    local need=()
    command -v gcc >/dev/null || need+=(gcc)
    command -v taskset >/dev/null || need+=(util-linux)
    command -v haproxy >/dev/null || need+=(haproxy)
    command -v nginx >/dev/null || need+=(nginx)
    [ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

write_configs() {
    cat >"$WORK/haproxy.cfg" <<CFG
global
    nbthread 1
    # Its fd need is about 2 x maxconn, which must stay below the 20000 hard limit here.
    maxconn 9000
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
frontend bench
    bind 127.0.0.1:$PORT
    default_backend echo
backend echo
    server echo1 127.0.0.1:$BACKEND_PORT
CFG
    cat >"$WORK/nginx.conf" <<CFG
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 9000; }
stream {
    upstream echo { server 127.0.0.1:$BACKEND_PORT; }
    server { listen 127.0.0.1:$PORT; proxy_pass echo; }
}
CFG
}

# Health checks off for reactor: neither HAProxy (no "check") nor nginx's open-source stream runs any here.
proxy_cmd() {
    case "$1" in
        reactor) echo "$ROOT/artifacts/bin/reactor proxy --threads 1 --listen 127.0.0.1:$PORT --backend 127.0.0.1:$BACKEND_PORT --check-interval 0s" ;;
        haproxy) echo "haproxy -db -f $WORK/haproxy.cfg" ;;
        nginx) echo "nginx -c $WORK/nginx.conf -p $WORK" ;;
        *) echo "unknown proxy $1" >&2; return 1 ;;
    esac
}

# group_pids, cpu_ticks, peak_rss_kib, rollup_kib: over the server's process group.
source scripts/proc_stats.sh

wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    log "nothing listens on port $1"; return 1
}

json_field() { grep -o "\"$2\":[0-9.]*" <<<"$1" | cut -d: -f2; }

install_missing
ulimit -n "$(ulimit -Hn)"
mkdir -p "$BIN" "$OUT"
[ -x artifacts/bin/reactor ] || ./build.sh >/dev/null
gcc -O2 -Wall -pthread -o "$BIN/c_epoll_echo" scripts/peers/c_epoll_echo.c
write_configs

taskset -c 1 "$BIN/c_epoll_echo" --threads 1 --port "$BACKEND_PORT" >/dev/null &
backend_pid=$!
wait_port "$BACKEND_PORT"

results=$WORK/results
for proxy in ${proxies//,/ }; do
    setsid taskset -c 0 $(proxy_cmd "$proxy") >"$WORK/$proxy.log" 2>&1 &
    proxy_pgid=$!
    wait_port "$PORT"
    for row in $rows; do
        IFS=: read -r conns size pipeline <<<"$row"
        t0=$(cpu_ticks "$proxy_pgid")
        json=$(taskset -c 1 artifacts/bin/reactor bench echo --port "$PORT" --connections "$conns" --size "$size" --pipeline "$pipeline" \
            --threads 1 --duration "${seconds}s" --warmup "${warmup}s" --json || true)
        t1=$(cpu_ticks "$proxy_pgid")
        rate=$(json_field "$json" messages_per_second) mbs=$(json_field "$json" mb_per_second) p99=$(json_field "$json" p99_us)
        errors=$(( $(json_field "$json" errors) + $(json_field "$json" mismatches) + $(json_field "$json" connect_failures) ))
        # Ticks (1/100 s) cover warm-up and run, so spread them over both.
        cpu=$(awk -v t=$((t1 - t0)) -v r="$rate" -v s="$seconds" -v w="$warmup" 'BEGIN { printf "%.2f", (r > 0 ? t * 10000 / (r * (s + w)) : 0) }')
        log "$proxy $row: $rate msg/s, $mbs MB/s, $cpu CPU us/msg, p99 $p99 us, errors $errors"
        echo "$proxy $row $rate $mbs $cpu $p99 $errors" >>"$results"
    done
    echo "$proxy rss $(peak_rss_kib "$proxy_pgid") $(rollup_kib "$proxy_pgid" Pss) $(rollup_kib "$proxy_pgid" Pss_Anon)" >>"$results"
    kill -TERM -- "-$proxy_pgid" 2>/dev/null || true
    wait "$proxy_pgid" 2>/dev/null || true
    proxy_pgid=""
    sleep 0.5
done

{
    echo "# Proxies side by side ($(date -u +%Y-%m-%d), ${seconds}s per row after ${warmup}s warm-up)"
    echo
    echo "Proxy on core 0, C epoll echo backend and \`reactor bench echo --threads 1\` on core 1. In brackets: ratio to reactor."
    echo "Rows are connections:message bytes:pipeline. CPU is the proxy's utime+stime per echoed message."
    echo
    echo "| proxy | row | msg/s | MB/s | proxy CPU µs/msg | p99 µs | errors |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    awk '$2 != "rss" { key = $2; if ($1 == "reactor") { r[key] = $3; m[key] = $4; c[key] = $5; p[key] = $6 } line[NR] = $0 }
        END {
            for (i = 1; i <= NR; i++) {
                if (!(i in line)) continue
                split(line[i], f, " "); k = f[2]
                printf "| %s | %s | %d (%.2f) | %.1f (%.2f) | %.2f (%.2f) | %d (%.2f) | %d |\n", f[1], k,
                    f[3], (r[k] > 0 ? f[3] / r[k] : 0), f[4], (m[k] > 0 ? f[4] / m[k] : 0),
                    f[5], (c[k] > 0 ? f[5] / c[k] : 0), f[6], (p[k] > 0 ? f[6] / p[k] : 0), f[7]
            }
        }' "$results"
    echo
    echo "Peak RSS is VmHWM; PSS (shared pages divided among the processes mapping them) and anon (the proxy's"
    echo "own memory, Pss_Anon) are from /proc/PID/smaps_rollup after the last row; all summed over the proxy's processes."
    echo
    echo "| proxy | peak RSS | PSS | anon |"
    echo "| --- | ---: | ---: | ---: |"
    awk '$2 == "rss" { printf "| %s | %.1f MiB | %.1f MiB | %.1f MiB |\n", $1, $3 / 1024, $4 / 1024, $5 / 1024 }' "$results"
} >"$OUT/proxy-results.md"
cat "$OUT/proxy-results.md"
