#!/usr/bin/env bash
# reactor kv against redis-server under redis-benchmark, side by side in one run.
#
#   scripts/bench-kv.sh [--requests N] [--keys N]
#
# Cores: the server under test runs on core 0 (taskset -c 0; reactor kv --threads 1, redis-server
# --io-threads 1, nothing persisted), redis-benchmark on core 1; the same for both servers. Rows:
# PING_MBULK, SET and GET, 50 connections, 64-byte values, at -P 1 and -P 16 (N requests at -P 1,
# 10 N at -P 16 so both last a few seconds). Server CPU per request is utime + stime from
# /proc/PID/stat across the row. Then each server is loaded with SETs of --keys random keys and
# its RSS growth per stored key is measured. Writes bench/kv-results.md, ratios reactor/redis.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PORT:-7680}
OUT=$PWD/bench/kv-results.md
requests=200000 keys=1000000
while [ $# -gt 0 ]; do
    case "$1" in
        --requests) requests=$2; shift ;;
        --keys) keys=$2; shift ;;
        *) echo "usage: scripts/bench-kv.sh [--requests N] [--keys N]" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '[bench-kv %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

need=()
command -v redis-benchmark >/dev/null || need+=(redis-tools)
command -v redis-server >/dev/null || need+=(redis-server)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x artifacts/bin/reactor ] || ./build.sh >/dev/null
dotnet build-server shutdown >/dev/null 2>&1 || true

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

start_server() {
    case "$1" in
        reactor) taskset -c 0 artifacts/bin/reactor kv --threads 1 --port "$PORT" >/dev/null & ;;
        redis) taskset -c 0 redis-server --port "$PORT" --save '' --appendonly no --io-threads 1 --dir "$work" >/dev/null & ;;
    esac
    pid=$!
    for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
    echo "bench-kv: $1 did not answer PING" >&2; exit 1
}

stop_server() { kill -TERM "$pid"; wait "$pid" || true; pid=; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }

# One row: prints "rps cpu_us_per_request p50_ms p99_ms".
run_row() {
    local test=$1 pipeline=$2 n=$requests args t0 t1 csv
    [ "$pipeline" = 16 ] && n=$((requests * 10))
    # A PING given as a command is sent as a multibulk array: PING_MBULK.
    case "$test" in PING_MBULK) args=(ping) ;; *) args=(-t "${test,,}") ;; esac
    t0=$(cpu_ticks)
    csv=$(taskset -c 1 redis-benchmark -p "$PORT" -c 50 -n "$n" -d 64 -P "$pipeline" --csv "${args[@]}" | tail -1)
    t1=$(cpu_ticks)
    echo "$csv" | tr -d '"' | awk -F, -v t=$((t1 - t0)) -v n="$n" '{ printf "%s %.2f %s %s\n", $2, t * 10000 / n, $5, $7 }'
}

results=$work/results
for server in reactor redis; do
    log "$server: throughput rows"
    start_server "$server"
    for pipeline in 1 16; do
        for test in PING_MBULK SET GET; do
            row=$(run_row "$test" "$pipeline")
            log "$server $test -P $pipeline: $row (req/s, CPU us/req, p50 ms, p99 ms)"
            echo "$server $test $pipeline $row" >>"$results"
        done
    done
    log "$server: loading $keys random keys"
    redis-cli -p "$PORT" flushall >/dev/null
    before=$(rss_kib)
    taskset -c 1 redis-benchmark -p "$PORT" -c 50 -n $((2 * keys)) -r "$keys" -d 64 -P 16 -t set -q >/dev/null
    stored=$(redis-cli -p "$PORT" dbsize)
    after=$(rss_kib)
    log "$server: $stored keys, RSS $before -> $after KiB"
    echo "$server MEMORY $stored $before $after" >>"$results"
    stop_server
done

mkdir -p bench
{
    echo "# reactor kv against redis-server"
    echo
    echo "\`scripts/bench-kv.sh --requests $requests --keys $keys\`, $(date -u +%Y-%m-%d), $(nproc) cores, $(redis-server --version | cut -d' ' -f3):"
    echo "each server on core 0, redis-benchmark on core 1, 50 connections, 64-byte values. Ratios are reactor / redis."
    echo
    echo "| test | pipeline | reactor req/s | redis req/s | ratio | reactor CPU µs/req | redis CPU µs/req | ratio | reactor p50 / p99 ms | redis p50 / p99 ms |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk '
        $1 != "MEMORY" && $2 != "MEMORY" { key = $2 " " $3; rps[$1, key] = $4; cpu[$1, key] = $5; p50[$1, key] = $6; p99[$1, key] = $7; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
        END {
            for (i = 1; i <= n; i++) {
                split(order[i], k, " ")
                a = "reactor" SUBSEP order[i]; b = "redis" SUBSEP order[i]
                printf "| %s | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %s / %s | %s / %s |\n", k[1], k[2], rps[a], rps[b], rps[a] / rps[b], cpu[a], cpu[b], cpu[a] / cpu[b], p50[a], p99[a], p50[b], p99[b]
            }
        }' "$results"
    echo
    echo "| server | keys stored | RSS before | RSS after | bytes per key |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    awk '$2 == "MEMORY" { per[$1] = ($5 - $4) * 1024 / $3; printf "| %s | %d | %.1f MiB | %.1f MiB | %.0f |\n", $1, $3, $4 / 1024, $5 / 1024, per[$1] }
         END { printf "\nMemory per key, reactor / redis: %.2f\n", per["reactor"] / per["redis"] }' "$results"
} >"$OUT"
cat "$OUT"
