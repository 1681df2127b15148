#!/usr/bin/env bash
# Side-by-side HTTP benchmark: `reactor http` against nginx (return 200, one worker), a uvloop
# asyncio.Protocol responder, a C epoll responder and a Kestrel minimal API (scripts/peers/),
# under the same wrk load, on the same pinning, in one run.
#
#   scripts/bench-http.sh [--seconds N] [--servers reactor,nginx,uvloop,c-epoll,kestrel]
#
# Cores: the server runs on core 0 (taskset -c 0; one loop, one worker, one process), wrk on core 1
# (-t1 -c100), GET /plaintext, plain and pipelined 16 deep (scripts/wrk/pipeline.lua), then a
# 1 MiB static file over keep-alive (reactor --root against nginx with sendfile on). Each row
# runs a 2 s warm-up (Kestrel's JIT tiers up meanwhile), then the measured run, and stops by itself. Per row: requests/s, server CPU
# per request (utime+stime from /proc/PID/stat over the measured run), wrk's p99 latency and the
# server's peak RSS, with ratios to reactor. Writes bench/http-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench
TMP=$OUT/tmp/http
BIN=$ROOT/artifacts/bench-bin
PORT=${BENCH_PORT:-8600}
PY=/usr/bin/python3
TICK_US=$((1000000 / $(getconf CLK_TCK)))

seconds=10
servers="reactor,nginx,uvloop,c-epoll,kestrel"
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift ;;
        --servers) servers=$2; shift ;;
        *) echo "usage: scripts/bench-http.sh [--seconds N] [--servers reactor,nginx,uvloop,c-epoll,kestrel]" >&2; exit 2 ;;
    esac
    shift
done

say() { printf '[bench-http %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

install_tools() {
    local need=()
    command -v wrk >/dev/null || need+=(wrk)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
    command -v gcc >/dev/null || need+=(gcc)
    $PY -c "import uvloop" 2>/dev/null || need+=(python3-uvloop)
    if [ ${#need[@]} -gt 0 ]; then
        say "installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

prepare() {
    mkdir -p "$BIN" "$TMP"
    [ -x "$ROOT/artifacts/bin/reactor" ] || { say "building reactor"; ./build.sh >/dev/null; }
    gcc -O2 -Wall -o "$BIN/c_epoll_http" scripts/peers/c_epoll_http.c
    [[ ",$servers," != *,kestrel,* ]] || dotnet publish scripts/peers/kestrel/KestrelPlaintext.csproj -c Release -nologo -v q -o "$BIN/kestrel" >/dev/null
    mkdir -p "$TMP/www"
    head -c 1048576 /dev/urandom >"$TMP/www/big.bin"
    # nginx as a single process (no master) so its CPU and RSS are one /proc entry; no logs.
    cat >"$TMP/nginx.conf" <<NGINX
daemon off;
master_process off;
worker_processes 1;
error_log $TMP/nginx-error.log;
pid $TMP/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$PORT;
        location / { default_type text/plain; return 200 "Hello, World!"; }
        location = /big.bin { root $TMP/www; sendfile on; }
    }
}
NGINX
}

server_cmd() {
    case "$1" in
        reactor) echo "$ROOT/artifacts/bin/reactor http --threads 1 --port $PORT --root $TMP/www" ;;
        nginx) echo "/usr/sbin/nginx -p $TMP -c $TMP/nginx.conf" ;;
        uvloop) echo "$PY scripts/peers/uvloop_http.py $PORT" ;;
        c-epoll) echo "$BIN/c_epoll_http --port $PORT" ;;
        kestrel) echo "dotnet $BIN/kestrel/KestrelPlaintext.dll $PORT" ;;
        *) echo "unknown server $1" >&2; return 1 ;;
    esac
}

server_pid=""
stop() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    server_pid=""
}
trap stop EXIT INT TERM

start() {
    # shellcheck disable=SC2046 # the command line is a word list
    taskset -c 0 $(server_cmd "$1") >"$TMP/$1.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    say "$1 did not start: $(tail -3 "$TMP/$1.log")"
    return 1
}

ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$server_pid/status"; }

# wrk against the running server ($1: path, $2: pipeline depth, $3: seconds): prints "requests errors p99_us".
load() {
    local path=$1 pipeline=$2 duration=$3
    local out
    out=$(taskset -c 1 wrk -t1 -c100 -d"${duration}s" --latency -s scripts/wrk/pipeline.lua "http://127.0.0.1:$PORT$path" -- "$pipeline")
    echo "$out" >>"$TMP/wrk.log"
    local requests errors p99
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    errors=$(echo "$out" | awk '/Socket errors|Non-2xx/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i} END {print s + 0}')
    p99=$(echo "$out" | awk '$1 == "99%" {v = $2; if (v ~ /us$/) print v + 0; else if (v ~ /ms$/) print v * 1000; else print v * 1000000}')
    echo "$requests $errors $p99"
}

main() {
    install_tools
    prepare
    : >"$TMP/wrk.log"
    local rows=() name row
    # Rows: label:path:pipeline; the file row only for the servers that serve files.
    for row in plain:/plaintext:1 pipelined-16:/plaintext:16 file-1MiB:/big.bin:1; do
        IFS=: read -r label path pipeline <<<"$row"
        for name in ${servers//,/ }; do
            [ "$label" != file-1MiB ] || [ "$name" = reactor ] || [ "$name" = nginx ] || continue
            say "$name, $label: ${seconds}s"
            start "$name"
            load "$path" "$pipeline" 2 >/dev/null
            local before after requests errors p99
            before=$(ticks)
            read -r requests errors p99 <<<"$(load "$path" "$pipeline" "$seconds")"
            after=$(ticks)
            rows+=("$label $name $requests $errors $p99 $(( (after - before) * TICK_US )) $(peak_rss_kib)")
            stop
        done
    done
    report "${rows[@]}"
}

# The table: absolute numbers, then each as a ratio to reactor's in the same pipeline depth.
report() {
    local file=$OUT/http-results.md
    {
        echo "# reactor http vs peers ($(date -u +%Y-%m-%d), wrk -t1 -c100 ${seconds}s, server on core 0, wrk on core 1)"
        echo
        echo "| load | server | req/s | errors | server CPU µs/req | p99 µs | peak RSS MiB | req/s ratio | CPU/req ratio | p99 ratio | RSS ratio |"
        echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        printf '%s\n' "$@" | awk -v s="$seconds" '
            { p[NR] = $1; n[NR] = $2; r[NR] = $3 / s; e[NR] = $4; l[NR] = $5; c[NR] = ($3 > 0 ? $6 / $3 : 0); m[NR] = $7 / 1024
              if ($2 == "reactor") { br[$1] = r[NR]; bc[$1] = c[NR]; bl[$1] = l[NR]; bm[$1] = m[NR] } }
            # wrk sometimes reports a p99 of 0.00us when pipelining: shown as n/a, never as a ratio.
            function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "n/a" }
            END { for (i = 1; i <= NR; i++)
                printf "| %s | %s | %.0f | %d | %.2f | %s | %.1f | %s | %s | %s | %s |\n", p[i], n[i], r[i], e[i], c[i],
                    (l[i] > 0 ? sprintf("%.0f", l[i]) : "n/a"), m[i],
                    ratio(r[i], br[p[i]]), ratio(c[i], bc[p[i]]), ratio(l[i], bl[p[i]]), ratio(m[i], bm[p[i]]) }'
    } >"$file"
    cat "$file"
}

main
