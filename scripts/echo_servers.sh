# Sourced by scripts/ab.sh and scripts/startup.sh: the echo servers they compare, by name.
#   reactor            artifacts/bin/reactor
#   reactor:PATH       another build of the reactor binary, e.g. the one from before a change
#   c-epoll            scripts/peers/c_epoll_echo.c, built into $BIN
#   c-embedded         examples/c/echo_server.c (libreactor.a from C), built by ./build.sh

# Builds the C peer into $BIN (the caller sets it).
build_echo_peers() {
    mkdir -p "$BIN"
    gcc -O2 -Wall -pthread -o "$BIN/c_epoll_echo" scripts/peers/c_epoll_echo.c
}

# Prints the command line of server $1 listening on port $2 with $3 loops/threads.
echo_server_cmd() {
    case "$1" in
        reactor) echo "$PWD/artifacts/bin/reactor echo --threads $3 --port $2" ;;
        reactor:*) echo "${1#reactor:} echo --threads $3 --port $2" ;;
        reactor-io_uring) echo "$PWD/artifacts/bin/reactor echo --backend io_uring --threads $3 --port $2" ;;
        c-epoll) echo "$BIN/c_epoll_echo --threads $3 --port $2" ;;
        c-embedded) echo "$PWD/artifacts/bin/echo_server --threads $3 --port $2" ;;
        *) echo "unknown server $1 (reactor, reactor:PATH, reactor-io_uring, c-epoll, c-embedded)" >&2; return 2 ;;
    esac
}
