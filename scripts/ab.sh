#!/usr/bin/env bash
# Alternating A/B of two echo servers under `reactor bench echo`: throughput and server CPU per
# message, medians over rounds. Server on core 0 (one loop/thread), client on core 1.
#
#   scripts/ab.sh reactor c-epoll [--rounds 5] [--connections "100 1000"] [--seconds 5]
#   servers: reactor, c-epoll (scripts/peers/c_epoll_echo.c), c-embedded (examples/c/echo_server.c)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/artifacts/bench-bin PORT=${BENCH_PORT:-7660}
[ $# -ge 2 ] || { echo "usage: scripts/ab.sh SERVER_A SERVER_B [--rounds N] [--connections \"100 1000\"] [--seconds N]" >&2; exit 2; }
servers="$1 $2"; shift 2
rounds=5 connections="100 1000" seconds=5
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift ;;
        --connections) connections=$2; shift ;;
        --seconds) seconds=$2; shift ;;
        *) echo "scripts/ab.sh: unknown flag $1" >&2; exit 2 ;;
    esac
    shift
done
[ -x artifacts/bin/echo_server ] || ./build.sh >/dev/null
mkdir -p "$BIN"
gcc -O2 -Wall -pthread -o "$BIN/c_epoll_echo" scripts/peers/c_epoll_echo.c

server_cmd() {
    case "$1" in
        reactor) echo "artifacts/bin/reactor echo --threads 1 --port $PORT" ;;
        c-epoll) echo "$BIN/c_epoll_echo --threads 1 --port $PORT" ;;
        c-embedded) echo "artifacts/bin/echo_server --threads 1 --port $PORT" ;;
        *) echo "scripts/ab.sh: unknown server $1" >&2; exit 2 ;;
    esac
}

results=$(mktemp)
for round in $(seq "$rounds"); do
    for server in $servers; do
        taskset -c 0 $(server_cmd "$server") >/dev/null &
        pid=$!
        sleep 0.5
        for conns in $connections; do
            t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
            rate=$(taskset -c 1 artifacts/bin/reactor bench echo --port "$PORT" --connections "$conns" --threads 1 \
                --duration "${seconds}s" --warmup 1s --json | grep -o '"messages_per_second":[0-9]*' | cut -d: -f2)
            t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
            # Ticks (1/100 s) cover warm-up and run, so spread them over both.
            cpu=$(awk -v t=$((t1 - t0)) -v r="$rate" -v s="$seconds" 'BEGIN { printf "%.2f", t * 10000 / (r * (s + 1)) }')
            echo "round $round: $server, $conns connections: $rate msg/s, $cpu CPU us/msg"
            echo "$server $conns $rate $cpu" >>"$results"
        done
        kill -TERM $pid; wait $pid || true
    done
done
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for conns in $connections; do
    for server in $servers; do
        rate=$(awk -v s="$server" -v c="$conns" '$1 == s && $2 == c {print $3}' "$results" | median)
        cpu=$(awk -v s="$server" -v c="$conns" '$1 == s && $2 == c {print $4}' "$results" | median)
        echo "median: $server, $conns connections: $rate msg/s, $cpu CPU us/msg"
    done
done
rm -f "$results"
