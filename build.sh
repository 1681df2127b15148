#!/usr/bin/env bash
# The one entry point: ./build.sh [build|test|run|bench|clean]. See README.md.
set -euo pipefail
cd "$(dirname "$0")"

ARTIFACTS="$PWD/artifacts"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Builds the solution and publishes the NativeAOT executable into artifacts/bin.
build() {
    dotnet build Reactor.sln -c Release -nologo -v q
    dotnet publish Reactor/Reactor.csproj -c Release -nologo -v q -p:PublishAot=true -o "$ARTIFACTS/bin"
    rm -f "$ARTIFACTS/bin/reactor.xml"
    local size
    size=$(stat -c %s "$ARTIFACTS/bin/reactor")
    awk -v s="$size" 'BEGIN { printf "artifacts/bin/reactor: %d bytes (%.2f MB)\n", s, s / 1e6 }'
}

# Runs every suite (unit, integration, native end-to-end) and ends with "N passed, N failed".
test_all() {
    build
    # Tests open a few thousand sockets; the soft limit may be the shell default of 1024.
    ulimit -n "$(ulimit -Hn)"
    local results="$ARTIFACTS/test-results"
    rm -rf "$results"
    local rc=0
    dotnet test Reactor.Tests/Reactor.Tests.csproj -c Release --no-build -nologo \
        --logger "trx;LogFileName=reactor-tests.trx" --results-directory "$results" || rc=$?
    summarize "$results"
    return $rc
}

# Sums the counters of every TRX file into the plain closing line CI reads.
summarize() {
    local passed=0 failed=0 skipped=0 f p x s
    for f in "$1"/*.trx; do
        [ -e "$f" ] || continue
        p=$(grep -o 'passed="[0-9]*"' "$f" | head -1 | tr -dc 0-9)
        x=$(grep -o 'failed="[0-9]*"' "$f" | head -1 | tr -dc 0-9)
        s=$(grep -o 'notExecuted="[0-9]*"' "$f" | head -1 | tr -dc 0-9)
        passed=$((passed + ${p:-0})); failed=$((failed + ${x:-0})); skipped=$((skipped + ${s:-0}))
    done
    if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "no test results found in $1" >&2; fi
    echo "$passed passed, $failed failed, $skipped skipped"
}

# Starts the main job: the native echo server on port 7000, one loop per core.
run() {
    [ -x "$ARTIFACTS/bin/reactor" ] || build
    exec "$ARTIFACTS/bin/reactor" echo --port 7000 "$@"
}

# BenchmarkDotNet micro-benchmarks: a short job by default, BENCH_FULL=1 for the full one.
bench() {
    local job=(--job short)
    [ "${BENCH_FULL:-0}" = 1 ] && job=()
    dotnet run --project Reactor.Bench -c Release -- --filter '*' "${job[@]}" --memory "$@"
}

clean() {
    rm -rf "$ARTIFACTS" Reactor*/bin Reactor*/obj BenchmarkDotNet.Artifacts
}

cmd="${1:-build}"
[ $# -gt 0 ] && shift
case "$cmd" in
    build) build ;;
    test) test_all ;;
    run) run "$@" ;;
    bench) bench "$@" ;;
    clean) clean ;;
    *) echo "usage: ./build.sh [build|test|run|bench|clean]" >&2; exit 2 ;;
esac
