#!/usr/bin/env bash
# Cross-checks `reactor bench echo` against the independent C client (scripts/loadgen/echo_client.c):
# both clients measure reactor and the C epoll server at 100 connections, 64-byte messages,
# pipeline 1, in alternating rounds (server on core 0, client on core 1, as in bench.sh).
# Prints each measurement and, per server, the ratio of the two clients' medians.
#
#   scripts/crosscheck.sh [--rounds N] [--seconds N]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD BIN=$PWD/artifacts/bench-bin PORT=${BENCH_PORT:-7650}
rounds=3 seconds=5
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift ;;
        --seconds) seconds=$2; shift ;;
        *) echo "usage: scripts/crosscheck.sh [--rounds N] [--seconds N]" >&2; exit 2 ;;
    esac
    shift
done

command -v gcc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null; }
[ -x artifacts/bin/reactor ] || ./build.sh >/dev/null
mkdir -p "$BIN"
gcc -O2 -Wall -pthread -o "$BIN/c_epoll_echo" scripts/peers/c_epoll_echo.c
gcc -O2 -Wall -o "$BIN/echo_client" scripts/loadgen/echo_client.c

rate() { grep -o '"messages_per_second":[0-9]*' | cut -d: -f2; }
results=$(mktemp)
for round in $(seq "$rounds"); do
    for server in reactor c-epoll; do
        case $server in
            reactor) taskset -c 0 "$ROOT/artifacts/bin/reactor" echo --threads 1 --port "$PORT" >/dev/null & ;;
            c-epoll) taskset -c 0 "$BIN/c_epoll_echo" --threads 1 --port "$PORT" >/dev/null & ;;
        esac
        pid=$!
        sleep 0.5
        for client in reactor c; do
            if [ $client = reactor ]; then
                r=$(taskset -c 1 "$ROOT/artifacts/bin/reactor" bench echo --port "$PORT" --connections 100 --threads 1 \
                    --duration "${seconds}s" --warmup 1s --json | rate)
            else
                r=$(taskset -c 1 "$BIN/echo_client" --port "$PORT" --connections 100 --duration "$seconds" --warmup 1 --json | rate)
            fi
            echo "round $round: server $server, client $client: $r msg/s"
            echo "$server $client $r" >>"$results"
        done
        kill -TERM $pid; wait $pid || true
    done
done
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for server in reactor c-epoll; do
    a=$(awk -v s=$server '$1==s && $2=="reactor" {print $3}' "$results" | median)
    b=$(awk -v s=$server '$1==s && $2=="c" {print $3}' "$results" | median)
    awk -v s=$server -v a="$a" -v b="$b" 'BEGIN { printf "server %-8s reactor bench %8d msg/s, C client %8d msg/s (medians): ratio %.2f\n", s, a, b, a / b }'
done
rm -f "$results"
