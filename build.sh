#!/usr/bin/env bash
# The one entry point: ./build.sh [build|test|cross|run|bench|clean]. See README.md.
set -euo pipefail
cd "$(dirname "$0")"

ARTIFACTS="$PWD/artifacts"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Builds the solution, publishes the NativeAOT executable into artifacts/bin and the static
# library with its header and link flags into artifacts/lib and artifacts/include, and builds
# the C programs that use it.
build() {
    dotnet build Reactor.sln -c Release -nologo -v q
    dotnet publish Reactor/Reactor.csproj -c Release -nologo -v q -p:PublishAot=true -o "$ARTIFACTS/bin"
    rm -f "$ARTIFACTS/bin/reactor.xml"
    print_size "$ARTIFACTS/bin/reactor"
    publish_static_lib
    publish_shared_lib
    build_c
}

print_size() {
    awk -v s="$(stat -c %s "$1")" -v f="${1#"$PWD"/}" 'BEGIN { printf "%s: %d bytes (%.2f MB)\n", f, s, s / 1e6 }'
}

# libreactor.a: Reactor as NativeLib=Static, partially linked (ld -r) with the NativeAOT runtime
# from the ILCompiler package into one object whose only global symbols are the reactor_* calls
# (objcopy localizes the rest), so a C program links it with -lreactor and system libraries, and
# the runtime's own names (ProcessFinalizers, GetCurrentProcessId...) cannot clash with its own.
publish_static_lib() {
    local lib="$ARTIFACTS/lib" work="$ARTIFACTS/obj/static"
    publish_native_lib static
    rm -rf "$lib"   # no stale file from an older layout may shadow -lreactor
    mkdir -p "$lib" "$ARTIFACTS/include"
    cp Reactor/Native/reactor.h "$ARTIFACTS/include/"

    local assets=Reactor/obj/project.assets.json packages version ilc
    packages=$(grep -A1 '"packageFolders"' "$assets" | tail -1 | cut -d'"' -f2)
    version=$(grep -o '"runtime.linux-x64.Microsoft.DotNet.ILCompiler/[^"]*"' "$assets" | head -1 | cut -d/ -f2 | tr -d '"')
    ilc="${packages%/}/runtime.linux-x64.microsoft.dotnet.ilcompiler/$version"
    [ -d "$ilc/sdk" ] || { echo "build.sh: ILCompiler package not found at $ilc" >&2; return 1; }
    # The compiled code whole; from the runtime archives only what it needs.
    ld -r -o "$work/reactor.o" "$ilc/sdk/libbootstrapperdll.o" --whole-archive "$work/reactor.a" --no-whole-archive \
        "$ilc/sdk/libRuntime.WorkstationGC.a" "$ilc/sdk/libRuntime.VxsortEnabled.a" "$ilc/sdk/libeventpipe-disabled.a" \
        "$ilc/sdk/libstandalonegc-disabled.a" "$ilc/sdk/libstdc++compat.a" "$ilc/framework/libSystem.Native.a"
    # Exported names are lower case (reactor_send); compiled managed code is reactor_Reactor_...
    nm -g --defined-only "$work/reactor.o" | awk '{ print $3 }' | grep -E '^reactor_[a-z_]+$' > "$work/exports.txt"
    objcopy --strip-debug --keep-global-symbols="$work/exports.txt" "$work/reactor.o" "$work/reactor.local.o"
    rm -f "$lib/libreactor.a"
    ar rcs "$lib/libreactor.a" "$work/reactor.local.o"
    echo "-I$ARTIFACTS/include -L$lib -lreactor -lstdc++ -lpthread -ldl -lm -lrt -lz" > "$lib/reactor.ldflags"
    print_size "$lib/libreactor.a"
}

# The same ABI as libreactor.so, for programs that would rather link it dynamically. In its own
# folder, so that -L artifacts/lib -lreactor finds the static library.
publish_shared_lib() {
    publish_native_lib shared
    mkdir -p "$ARTIFACTS/lib/shared"
    cp "$ARTIFACTS/obj/shared/reactor.so" "$ARTIFACTS/lib/shared/libreactor.so"
    print_size "$ARTIFACTS/lib/shared/libreactor.so"
}

# Publishes Reactor as NativeLib=Static or Shared ($1: static|shared) into artifacts/obj/$1, from
# its own intermediate folder, so the executable and the libraries never share stale objects.
publish_native_lib() {
    dotnet publish Reactor/Reactor.csproj -c Release -nologo -v q -p:PublishAot=true -p:NativeLib="${1^}" \
        -p:OutputType=Library -p:IntermediateOutputPath="obj/Release/$1/" -o "$ARTIFACTS/obj/$1"
}

# The C examples and the C ABI tests, compiled exactly as the README tells a user to; the tests
# also against the shared library.
build_c() {
    local ldflags
    ldflags=$(cat "$ARTIFACTS/lib/reactor.ldflags")
    # shellcheck disable=SC2086 # the flags are a word list
    gcc -O2 -Wall -Wextra -Werror examples/c/echo_server.c $ldflags -o "$ARTIFACTS/bin/echo_server"
    # shellcheck disable=SC2086
    gcc -O2 -Wall -Wextra -Werror examples/c/reconnect_client.c $ldflags -o "$ARTIFACTS/bin/reconnect_client"
    local test
    for test in c_api_test c_api_v2_test; do
        # shellcheck disable=SC2086
        gcc -O2 -Wall -Wextra -Werror "Reactor.Tests/EndToEnd/c/$test.c" $ldflags -o "$ARTIFACTS/bin/$test"
        gcc -O2 -Wall -Wextra -Werror "Reactor.Tests/EndToEnd/c/$test.c" -I"$ARTIFACTS/include" \
            -L"$ARTIFACTS/lib/shared" -lreactor -Wl,-rpath,"$ARTIFACTS/lib/shared" -o "$ARTIFACTS/bin/${test}_shared"
    done
    # A program defining names the NativeAOT runtime also has: it links only if libreactor.a hides them.
    # shellcheck disable=SC2086
    gcc -O2 -Wall -Wextra -Werror Reactor.Tests/EndToEnd/c/symbol_clash_test.c $ldflags -o "$ARTIFACTS/bin/symbol_clash_test"
    print_size "$ARTIFACTS/bin/echo_server"
}

# Compiles the library and the tests for macOS and FreeBSD, so the kqueue backend and the BSD
# tables keep building; this machine cannot run them (README, Platforms). Build only, no publish,
# each RID in its own artifacts folder so the Linux build's restore files stay as they were.
cross() {
    local rid
    for rid in osx-arm64 osx-x64 freebsd-x64; do
        dotnet build Reactor.Tests/Reactor.Tests.csproj -c Release -nologo -v q -r "$rid" --artifacts-path "$ARTIFACTS/cross/$rid"
        echo "cross build $rid: ok"
    done
}

# Runs every suite (unit, integration, native end-to-end) and ends with "N passed, N failed".
test_all() {
    build
    cross
    # Tests open a few thousand sockets; the soft limit may be the shell default of 1024.
    ulimit -n "$(ulimit -Hn)"
    local results="$ARTIFACTS/test-results"
    rm -rf "$results"
    local rc=0 refusal
    dotnet test Reactor.Tests/Reactor.Tests.csproj -c Release --no-build -nologo \
        --logger "trx;LogFileName=reactor-tests.trx" --results-directory "$results" || rc=$?
    # The whole suite again on the io_uring backend (REACTOR_BACKEND reaches every loop the tests
    # make: in process, in the native binary, in the C programs), where this kernel allows it.
    if refusal=$(io_uring_refusal); then
        echo "the suite again with REACTOR_BACKEND=io_uring"
        REACTOR_BACKEND=io_uring dotnet test Reactor.Tests/Reactor.Tests.csproj -c Release --no-build -nologo \
            --logger "trx;LogFileName=reactor-tests-io_uring.trx" --results-directory "$results" || rc=$?
    else
        echo "io_uring suite not run: $refusal"
    fi
    summarize "$results"
    return $rc
}

# Succeeds silently when the native server runs on io_uring here; otherwise prints why not (the
# server's own fallback line: io_uring disabled by sysctl or seccomp, or a kernel older than 6.3).
io_uring_refusal() {
    local log pid i
    log=$(mktemp)
    "$ARTIFACTS/bin/reactor" echo --port 0 --threads 1 --backend io_uring >"$log" 2>&1 &
    pid=$!
    for i in $(seq 100); do
        grep -q "listening on" "$log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    if grep -q "loops, io_uring)" "$log"; then
        rm -f "$log"
        return 0
    fi
    grep -m1 -v "listening on" "$log" || echo "reactor did not start with --backend io_uring"
    rm -f "$log"
    return 1
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
        echo "$(basename "$f"): ${p:-0} of $((${p:-0} + ${x:-0})) passed"
    done
    if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "no test results found in $1" >&2; fi
    # A skipped test is not a pass: say how many, then the plain line CI reads, last.
    [ "$skipped" -eq 0 ] || echo "$skipped skipped (not counted as passed)"
    echo "$passed passed, $failed failed"
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
    # Every benchmark, unless the caller names a --filter of its own (BenchmarkDotNet takes one).
    local filter=(--filter '*') arg
    for arg in "$@"; do [ "$arg" = --filter ] && filter=(); done
    dotnet run --project Reactor.Bench -c Release -- "${filter[@]}" "${job[@]}" --memory "$@"
}

clean() {
    rm -rf "$ARTIFACTS" Reactor*/bin Reactor*/obj BenchmarkDotNet.Artifacts
}

cmd="${1:-build}"
[ $# -gt 0 ] && shift
case "$cmd" in
    build) build ;;
    test) test_all ;;
    cross) cross ;;
    run) run "$@" ;;
    bench) bench "$@" ;;
    clean) clean ;;
    *) echo "usage: ./build.sh [build|test|cross|run|bench|clean]" >&2; exit 2 ;;
esac
