#!/usr/bin/env bash
# Alternating A/B of echo servers and load clients: throughput and server CPU per message,
# medians over rounds. Server on core 0 (one loop/thread), client on core 1, as in bench.sh.
#
#   scripts/ab.sh reactor c-epoll [--rounds 5] [--connections "100 1000"] [--seconds 5] [--clients reactor]
#                                 [--pipeline 1] [--size 64]
#   servers: reactor, reactor:PATH (another build of the reactor binary, e.g. before a change),
#            reactor-io_uring (reactor echo --backend io_uring),
#            c-epoll (scripts/peers/c_epoll_echo.c), c-embedded (examples/c/echo_server.c)
#   --pipeline and --size: messages in flight per connection and their size (reactor client only)
#   clients: reactor (reactor bench echo), c (scripts/loadgen/echo_client.c, independent)
#
# Cross-check of the two load clients on both servers, 100 connections:
#   scripts/ab.sh reactor c-epoll --clients "reactor c" --connections 100 --rounds 3
# then, per server, the ratio of the clients' medians is printed as well.
#
# Before/after a change, with the earlier binary saved:
#   cp artifacts/bin/reactor /tmp/reactor-before; ...change, ./build.sh...; scripts/ab.sh reactor:/tmp/reactor-before reactor
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/artifacts/bench-bin PORT=${BENCH_PORT:-7660}
usage() { echo "usage: scripts/ab.sh SERVER_A SERVER_B [--rounds N] [--connections \"100 1000\"] [--seconds N] [--clients \"reactor c\"] [--pipeline P] [--size SIZE]" >&2; exit 2; }
[ $# -ge 2 ] || usage
servers="$1 $2"; shift 2
rounds=5 connections="100 1000" seconds=5 clients=reactor pipeline=1 size=64
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift ;;
        --connections) connections=$2; shift ;;
        --seconds) seconds=$2; shift ;;
        --clients) clients=$2; shift ;;
        --pipeline) pipeline=$2; shift ;;
        --size) size=$2; shift ;;
        *) usage ;;
    esac
    shift
done
case " $clients " in
    *" c "*) [ "$pipeline" = 1 ] && [ "$size" = 64 ] || { echo "scripts/ab.sh: --pipeline and --size need --clients reactor" >&2; exit 2; } ;;
esac

command -v gcc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null; }
[ -x artifacts/bin/echo_server ] || ./build.sh >/dev/null
source scripts/echo_servers.sh
build_echo_peers
gcc -O2 -Wall -o "$BIN/echo_client" scripts/loadgen/echo_client.c

# Prints the client's messages per second for $1 connections.
run_client() {
    case "$client" in
        reactor) taskset -c 1 artifacts/bin/reactor bench echo --port "$PORT" --connections "$1" --threads 1 \
                     --duration "${seconds}s" --warmup 1s --pipeline "$pipeline" --size "$size" --json ;;
        c) taskset -c 1 "$BIN/echo_client" --port "$PORT" --connections "$1" --duration "$seconds" --warmup 1 --json ;;
        *) echo "scripts/ab.sh: unknown client $client" >&2; exit 2 ;;
    esac | grep -o '"messages_per_second":[0-9]*' | cut -d: -f2
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq "$rounds"); do
    for server in $servers; do
        cmd=$(echo_server_cmd "$server" "$PORT" 1)
        taskset -c 0 $cmd >/dev/null &
        pid=$!
        sleep 0.5
        for conns in $connections; do
            for client in $clients; do
                t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
                rate=$(run_client "$conns")
                t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
                # Ticks (1/100 s) cover warm-up and run, so spread them over both.
                cpu=$(awk -v t=$((t1 - t0)) -v r="$rate" -v s="$seconds" 'BEGIN { printf "%.2f", t * 10000 / (r * (s + 1)) }')
                echo "round $round: server $server, client $client, $conns connections: $rate msg/s, $cpu CPU us/msg"
                echo "$round $server $client $conns $rate $cpu" >>"$results"
            done
        done
        kill -TERM $pid; wait $pid || true
    done
done

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
column_median() { awk -v s="$1" -v c="$2" -v n="$3" -v f="$4" '$2 == s && $3 == c && $4 == n {print $f}' "$results" | median; }
# Median over rounds of B/A within each round: the two servers of a round ran back to back, so a
# machine that speeds up or slows down between rounds (this VM does, by 25%) cancels out.
paired_median() {
    awk -v a="$1" -v b="$2" -v c="$3" -v n="$4" -v f="$5" '$3 == c && $4 == n { if ($2 == a) x[$1] = $f; if ($2 == b) y[$1] = $f }
        END { for (r in x) if (r in y) printf "%.4f\n", y[r] / x[r] }' "$results" | median
}
for conns in $connections; do
    for server in $servers; do
        for client in $clients; do
            echo "median: server $server, client $client, $conns connections: $(column_median "$server" "$client" "$conns" 5) msg/s, $(column_median "$server" "$client" "$conns" 6) CPU us/msg"
        done
        set -- $clients
        if [ $# -eq 2 ]; then
            awk -v s="$server" -v a="$(column_median "$server" "$1" "$conns" 5)" -v b="$(column_median "$server" "$2" "$conns" 5)" -v x="$1" -v y="$2" \
                'BEGIN { printf "clients agree? server %s: %s/%s = %.2f\n", s, x, y, a / b }'
        fi
    done
    set -- $servers
    for client in $clients; do
        echo "paired: $2 / $1, client $client, $conns connections: msg/s $(paired_median "$1" "$2" "$client" "$conns" 5), CPU us/msg $(paired_median "$1" "$2" "$client" "$conns" 6) (median of per-round ratios)"
    done
done
