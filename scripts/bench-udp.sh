#!/usr/bin/env bash
# UDP echo side by side: reactor udp-echo against a C recvmmsg/sendmmsg echo and a C
# recvfrom/sendto echo (scripts/peers/c_udp_echo.c), the same load, the same pinning, one run;
# then reactor's receive path against `sockperf server` under sockperf's own throughput client;
# then the datagram batch size curve that chose reactor's default.
#
#   scripts/bench-udp.sh [--quick]
#
# Cores: the server on core 0 (one loop/thread), the client on core 1. The echo rows use
# `reactor bench udp` (4 connected sockets, 32 datagrams in flight each, every reply checked);
# server CPU is utime+stime from /proc/PID/stat over the run. Every row stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/artifacts/bench-bin
PORT=${BENCH_PORT:-7700}
count=1000000 seconds=5
[ "${1:-}" = --quick ] && { count=200000; seconds=2; }

log() { printf '[bench-udp %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

install_missing() {
    local need=()
    command -v gcc >/dev/null || need+=(gcc)
    command -v taskset >/dev/null || need+=(util-linux)
    command -v sockperf >/dev/null || need+=(sockperf)
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill -INT "$server_pid" 2>/dev/null || true
        sleep 0.3
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop_server EXIT INT TERM

# start_server LOG CMD...: on core 0, waits for its "listening" line (sockperf's: "using recvfrom()").
start_server() {
    local log_file=$1
    shift
    taskset -c 0 "$@" >"$log_file" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        grep -qE "listening|using recvfrom" "$log_file" 2>/dev/null && return 0
        sleep 0.1
    done
    log "did not start: $*: $(tail -3 "$log_file")"
    stop_server
    return 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }
field() { grep -o "\"$1\":[0-9.]*" <<<"$2" | cut -d: -f2; }

# echo_row NAME SIZE CMD...: one server under reactor bench udp; prints a table row.
echo_row() {
    local name=$1 size=$2
    shift 2
    start_server "$BIN/udp-$name.log" "$@" || return 0
    local before after json hz
    hz=$(getconf CLK_TCK)
    before=$(cpu_ticks)
    json=$(taskset -c 1 "$ROOT/artifacts/bin/reactor" bench udp --port "$PORT" --sockets 4 --window 32 --size "$size" \
        --count "$count" --timeout 120s --json || echo '{}')
    after=$(cpu_ticks)
    local received rate
    received=$(field received "$json")
    rate=$(field datagrams_per_second "$json")
    printf '| %s | %s | %s | %s | %s | %s/%s | %s | %s |\n' "$name" "$size" "$rate" \
        "$(awk -v t=$((after - before)) -v hz="$hz" -v n="${received:-0}" 'BEGIN { printf "%.2f", n ? t / hz * 1e6 / n : 0 }')" \
        "$(field lost "$json")" "$(field p50_us "$json")" "$(field p99_us "$json")" "$(field mismatches "$json")" "$(rss_kib)"
    echo "$name $size $rate $(awk -v t=$((after - before)) -v hz="$hz" -v n="${received:-0}" 'BEGIN { printf "%.3f", n ? t / hz * 1e6 / n : 0 }')" >>"$BIN/udp-rows.txt"
    stop_server
}

main() {
    install_missing
    log "building"
    ./build.sh >/dev/null
    mkdir -p "$BIN"
    gcc -O2 -Wall -o "$BIN/c_udp_echo" scripts/peers/c_udp_echo.c
    dotnet build-server shutdown >/dev/null 2>&1 || true
    : >"$BIN/udp-rows.txt"
    local reactor=$ROOT/artifacts/bin/reactor

    echo "### UDP echo, $count datagrams, reactor bench udp --sockets 4 --window 32 on core 1, server on core 0"
    echo
    echo "| server | size | datagrams/s | server CPU µs/datagram | lost | p50/p99 µs | mismatches | RSS KiB |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for size in 64 1400; do
        echo_row reactor "$size" "$reactor" udp-echo --threads 1 --port "$PORT"
        echo_row c-recvmmsg "$size" "$BIN/c_udp_echo" --port "$PORT" --batch 32
        echo_row c-recvfrom "$size" "$BIN/c_udp_echo" --port "$PORT" --batch 1
    done
    awk '{ rate[$1 " " $2] = $3; cpu[$1 " " $2] = $4 }
        END { for (s in rate) { split(s, k, " "); if (k[1] == "reactor") for (p in rate) { split(p, q, " ");
            if (q[2] == k[2] && q[1] != "reactor" && rate[p] > 0 && cpu[p] > 0)
                printf "reactor / %s at %s B: %.2fx datagrams/s, %.2fx CPU per datagram\n", q[1], k[2], rate[s] / rate[p], cpu[s] / cpu[p] } } }' \
        "$BIN/udp-rows.txt" | sort
    echo

    echo "### Receive path: sockperf throughput -m 64 for ${seconds}s on core 1 (the server answers nothing)"
    echo
    for name in reactor sockperf; do
        if [ $name = reactor ]; then
            start_server "$BIN/udp-sp.log" "$reactor" udp-echo --threads 1 --sockperf --stats --port "$PORT" || continue
        else
            start_server "$BIN/udp-sp.log" sockperf server -i 127.0.0.1 -p "$PORT" || continue
        fi
        local before after
        before=$(cpu_ticks)
        taskset -c 1 sockperf throughput -i 127.0.0.1 -p "$PORT" -m 64 -t "$seconds" 2>&1 | grep -E "Summary: Message Rate" | sed "s/^/$name client: /"
        after=$(cpu_ticks)
        echo "$name server CPU: $(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }') s over ${seconds} s"
        stop_server
        [ $name = reactor ] && grep -o "datagrams-in [0-9]*" "$BIN/udp-sp.log" | tail -1 | sed 's/^/reactor server: /'
    done
    echo

    echo "### reactor udp-echo --batch B, 64-byte datagrams (the default, 32, is chosen from this curve)"
    echo
    echo "| batch | datagrams/s | server CPU µs/datagram |"
    echo "| ---: | ---: | ---: |"
    : >"$BIN/udp-rows.txt"
    for batch in 1 4 8 16 32 64 128; do
        echo_row "batch$batch" 64 "$reactor" udp-echo --threads 1 --batch "$batch" --port "$PORT" >/dev/null
    done
    awk '{ sub("batch", "", $1); printf "| %s | %s | %s |\n", $1, $3, $4 }' "$BIN/udp-rows.txt"
}

main
