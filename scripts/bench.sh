#!/usr/bin/env bash
# Side-by-side echo benchmark: reactor against the C epoll server and the Python servers the
# fast-socket guides teach, under the same load, on the same pinning, in one run.
#
#   scripts/bench.sh [--quick] [--servers reactor,c-epoll,...] [--client c|reactor] [--seconds N]
#
# Cores: the server under test runs on core 0 (taskset -c 0, one loop/thread/process), the load
# generator on core 1; the same for every server. Each row runs after a warm-up and stops by
# itself. Writes bench/results.md (table, throughput as a ratio to reactor) and bench/results.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench
BIN=$ROOT/artifacts/bench-bin
PORT=${BENCH_PORT:-7600}
PY=/usr/bin/python3

quick=0 seconds=10 warmup=2 client=reactor
servers="reactor,c-epoll,py-threads,py-selectors,asyncio,uvloop,gevent,tornado"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1; seconds=3; warmup=1 ;;
        --servers) servers=$2; shift ;;
        --client) client=$2; shift ;;
        --seconds) seconds=$2; shift ;;
        *) echo "usage: scripts/bench.sh [--quick] [--servers list] [--client c|reactor] [--seconds N]" >&2; exit 2 ;;
    esac
    shift
done

# Rows: connections:pipeline.
if [ $quick = 1 ]; then rows="100:1 100:16"; else rows="1:1 100:1 1000:1 10000:1 100:16"; fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

install_missing() {
    local need=()
    command -v gcc >/dev/null || need+=(gcc)
    command -v taskset >/dev/null || need+=(util-linux)
    for m in uvloop gevent tornado; do $PY -c "import $m" 2>/dev/null || need+=("python3-$m"); done
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

build() {
    log "building reactor and the C programs"
    ./build.sh >/dev/null
    mkdir -p "$BIN" "$OUT"
    gcc -O2 -Wall -pthread -o "$BIN/c_epoll_echo" scripts/peers/c_epoll_echo.c
    gcc -O2 -Wall -o "$BIN/echo_client" scripts/loadgen/echo_client.c
    # The compiler servers the build leaves running would otherwise share the cores with the first rows.
    dotnet build-server shutdown >/dev/null 2>&1 || true
    sleep 2
}

# The command line of each server, listening on $PORT.
server_cmd() {
    case "$1" in
        reactor) echo "$ROOT/artifacts/bin/reactor echo --threads 1 --port $PORT" ;;
        c-epoll) echo "$BIN/c_epoll_echo --threads 1 --port $PORT" ;;
        py-threads) echo "$PY scripts/peers/py_threads_echo.py $PORT" ;;
        py-selectors) echo "$PY scripts/peers/py_selectors_echo.py $PORT" ;;
        asyncio) echo "$PY scripts/peers/asyncio_echo.py $PORT" ;;
        uvloop) echo "$PY scripts/peers/asyncio_echo.py $PORT --uvloop" ;;
        gevent) echo "$PY scripts/peers/gevent_echo.py $PORT" ;;
        # One worker: the server side has one core (core 0) in every row.
        tornado) echo "$PY scripts/peers/tornado_echo.py $PORT 1" ;;
        *) echo "unknown server $1" >&2; return 1 ;;
    esac
}

# group_pids, cpu_ticks, peak_rss_kib, rollup_kib: over the server's process group.
source scripts/proc_stats.sh

server_pgid=""
stop_server() {
    if [ -n "$server_pgid" ]; then
        kill -TERM -- "-$server_pgid" 2>/dev/null || true
        sleep 0.5
        kill -KILL -- "-$server_pgid" 2>/dev/null || true
        server_pgid=""
    fi
}
trap stop_server EXIT INT TERM

start_server() {
    local name=$1 log_file=$OUT/tmp/$1.log
    mkdir -p "$OUT/tmp"
    # setsid: the server and its children form one process group, measured and stopped together.
    setsid taskset -c 0 $(server_cmd "$name") >"$log_file" 2>&1 &
    server_pgid=$!
    for _ in $(seq 100); do
        grep -q "listening" "$log_file" 2>/dev/null && return 0
        sleep 0.1
    done
    log "$name did not start: $(tail -3 "$log_file")"
    return 1
}

run_client() {
    local conns=$1 pipeline=$2 sources=$(( $1 > 5000 ? 8 : 1 ))
    if [ "$client" = reactor ]; then
        taskset -c 1 "$ROOT/artifacts/bin/reactor" bench echo --port "$PORT" --connections "$conns" --pipeline "$pipeline" \
            --size 64 --duration "${seconds}s" --warmup "${warmup}s" --threads 1 --sources "$sources" --json
    else
        taskset -c 1 "$BIN/echo_client" --port "$PORT" --connections "$conns" --pipeline "$pipeline" --size 64 \
            --duration "$seconds" --warmup "$warmup" --sources "$sources" --json
    fi
}

main() {
    install_missing
    build
    ulimit -n 20000
    mkdir -p "$OUT/tmp"
    local results=$OUT/tmp/results.jsonl
    : >"$results"
    IFS=, read -ra list <<<"$servers"
    for name in "${list[@]}"; do
        log "$name: starting on core 0"
        start_server "$name" || { echo "{\"server\":\"$name\",\"skipped\":\"did not start\"}" >>"$results"; stop_server; continue; }
        for row in $rows; do
            local conns=${row%:*} pipeline=${row#*:}
            if [ "$name" = py-threads ] && [ "$conns" -gt 1000 ]; then
                log "$name: skipping $conns connections (a thread per connection)"
                echo "{\"server\":\"$name\",\"connections\":$conns,\"pipeline\":$pipeline,\"skipped\":\"10,000 threads\"}" >>"$results"
                continue
            fi
            log "$name: $conns connections, pipeline $pipeline, ${seconds} s after ${warmup} s warm-up"
            local before after json
            before=$(cpu_ticks "$server_pgid")
            json=$(run_client "$conns" "$pipeline" || true)
            after=$(cpu_ticks "$server_pgid")
            [ -n "$json" ] || json='{"error":"client failed"}'
            echo "{\"server\":\"$name\",\"cpu_ticks\":$((after - before)),\"peak_rss_kib\":$(peak_rss_kib "$server_pgid"),\"pss_kib\":$(rollup_kib "$server_pgid" Pss),\"anon_kib\":$(rollup_kib "$server_pgid" Pss_Anon),\"result\":$json}" >>"$results"
            log "$name: $(echo "$json" | grep -o '"messages_per_second":[0-9]*' || echo "$json")"
        done
        stop_server
        sleep 1
    done
    $PY scripts/bench_report.py "$results" "$OUT/results.md" "$OUT/results.svg" \
        "scripts/bench.sh $([ $quick = 1 ] && echo --quick) --client $client" "$seconds" "$warmup"
    log "wrote bench/results.md and bench/results.svg"
    cat "$OUT/results.md"
}

main
