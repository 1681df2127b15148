#!/usr/bin/env bash
# Start-up time: from exec to the first connection accepted and echoed, per server, over many
# runs that alternate the servers (so load on the machine falls on all of them alike).
# scripts/loadgen/startup_probe.c takes one measurement; this prints the median and p95 of each.
#
#   scripts/startup.sh [SERVER...] [--runs 50] [--threads 1]
#   servers (default: reactor c-epoll): see scripts/echo_servers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/artifacts/bench-bin PORT=${BENCH_PORT:-7690}
servers=() runs=50 threads=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift ;;
        --threads) threads=$2; shift ;;
        -*) echo "usage: scripts/startup.sh [SERVER...] [--runs N] [--threads N]" >&2; exit 2 ;;
        *) servers+=("$1") ;;
    esac
    shift
done
[ ${#servers[@]} -gt 0 ] || servers=(reactor c-epoll)

[ -x artifacts/bin/reactor ] || ./build.sh >/dev/null
source scripts/echo_servers.sh
build_echo_peers
gcc -O2 -Wall -o "$BIN/startup_probe" scripts/loadgen/startup_probe.c

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((round = 1; round <= runs; round++)); do
    for name in "${servers[@]}"; do
        cmd=$(echo_server_cmd "$name" "$PORT" "$threads")
        # shellcheck disable=SC2086 # the command is a word list
        sample=$("$BIN/startup_probe" "$PORT" $cmd)
        echo "$name $sample" >>"$results"
    done
done

echo "exec to first echoed byte, $runs runs each, alternating, --threads $threads ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "(wall: exec to echo; CPU: user + system time the server used, the part load on the machine hardly changes;"
echo " faults: the server's minor page faults, 15-30 us each on a VM)"
printf '%-40s %12s %12s %12s %12s %8s\n' server "wall median" "wall p95" "CPU median" "CPU p95" faults
# The values of column $2 for server $1, sorted.
values() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$results" | sort -n; }
# Prints the median and p95 of column $2 for server $1, in ms.
stats() {
    values "$1" "$2" | awk '
        { v[NR] = $1 }
        END { printf " %9.2f ms %9.2f ms", v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.95 + 0.999)] / 1000 }'
}
for name in "${servers[@]}"; do
    faults=$(values "$name" 4 | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '%-40s%s%s %8s\n' "$name" "$(stats "$name" 2)" "$(stats "$name" 3)" "$faults"
done
