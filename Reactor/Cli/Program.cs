using System;
using System.Reflection;

namespace Reactor.Cli;

/// <summary>The <c>reactor</c> command: one verb per file; this file only dispatches.</summary>
internal static class Program
{
    internal const string Usage = """
        usage: reactor <command> [flags]

        commands:
          echo     serve TCP echo: every byte is sent back
          upper    serve TCP echo with ASCII letters upper-cased
          chat     serve a line chat: each line goes to every other client as "<id>: <line>"
          udp-echo serve UDP echo: every datagram is sent back to its sender
          http     serve HTTP/1.1: /plaintext, /json, /echo, / (default port 8080)
          proxy    TCP load balancer: each client piped to a backend, with health checks and failover
          kv       serve a RESP2 key-value store for redis clients (redis-cli, redis-benchmark); in memory only
          bench    "bench echo": load an echo server; throughput, latency percentiles, every byte checked
                   "bench udp": echo a count of datagrams off a UDP echo server; rate, loss, latency, every reply checked

        server flags (every server command):
          --port N               port (default 7000, http 8080, kv 6379; 0 picks a free one)
          --bind ADDR            address to listen on: 127.0.0.1, ::1, 0.0.0.0, :: (default 127.0.0.1)
          --threads N            event loops, one thread each (default: one per core)
          --pin                  pin loop i to core i
          --backend epoll|io_uring  what the loops wait with: epoll, or io_uring, where the kernel accepts and
                                 receives for them (Linux 6.3+; falls back to epoll with a line on stderr);
                                 --loop-backend for proxy, whose --backend names its servers
                                 (default: $REACTOR_BACKEND, else epoll)
          --backlog N            listen backlog per loop; the kernel caps it at net.core.somaxconn (default 4096)
          --rcvbuf SIZE          SO_RCVBUF of every socket, set on the listeners before listen() so accepted
                                 sockets inherit it (default: the kernel's, autotuned)
          --sndbuf SIZE          SO_SNDBUF of every socket, as --rcvbuf (default: the kernel's, autotuned)
          --nodelay on|off       (TCP servers) TCP_NODELAY on every connection (default on)
          --keepalive IDLE[,INTERVAL[,COUNT]]  (TCP servers) TCP keep-alive probes after IDLE of silence, every
                                 INTERVAL, COUNT unanswered ones drop the connection, e.g. 60s,10s,5; whole
                                 seconds; INTERVAL and COUNT left out keep the kernel's (default: off)
          (a value the kernel changes is printed on stderr as the value in effect: buffer sizes are doubled
           and capped at twice net.core.rmem_max / wmem_max, the backlog capped at net.core.somaxconn)
          --buffer-size SIZE     pool chunk and read size (default 16KiB)
          --max-pending SIZE     per-connection output high-water mark; reading pauses above it (default 1MiB)
          --shutdown-timeout DUR how long SIGINT/SIGTERM waits for queued output (default 5s)
          --idle-timeout DUR     close a connection silent for this long (default: off)
          --max-connections N    accept and close connections beyond N open (default: no limit)
          --stats                print per-loop counters to stderr once a second and on exit
          --accept-proxy         (TCP servers) every connection starts with a PROXY protocol v1/v2 header (from
                                 HAProxy, a cloud balancer, reactor proxy --send-proxy); without one it is closed
          (TCP servers started with LISTEN_FDS/LISTEN_PID serve the inherited sockets instead of binding)

        udp-echo flags (with the server flags; of the socket options only --rcvbuf and --sndbuf):
          --batch N              datagrams per recvmmsg/sendmmsg call (default 32)
          --max-datagram SIZE    largest datagram taken whole; larger ones are counted as truncated (default 65535)
          --sockperf             answer as `sockperf server` does (pong requests, client flag cleared) instead of echoing

        chat flags:
          --max-line SIZE        longest line a client may send; a longer one closes it (default 64KiB)
          (a client whose unsent output reaches --max-pending stopped reading: it is disconnected)

        http flags:
          --root DIR             serve the files under DIR (sendfile; ranges, ETag, 304); / is DIR/index.html
          --max-header-size SIZE largest request head; larger is refused with 431 (default 8KiB)
          --max-body SIZE        largest request body; larger is refused with 413 (default 1MiB)
          --header-timeout DUR   408 for a request not complete this long after its first byte (default 10s)
          --keepalive-timeout DUR close a persistent connection idle this long (default 5s)

        proxy flags (with the server flags; --listen replaces --bind/--port):
          --listen ADDR:PORT     address to listen on, e.g. 0.0.0.0:8080 or [::1]:8080
          --backend ADDR:PORT[,weight=N]  a server behind the proxy; repeat for each (at most 64; weight 1-256)
          --balance MODE         roundrobin (default), random, weighted, leastconn, source (client IP hash)
          --connect-timeout DUR  a backend connect slower than this fails (default 2s)
          --retries N            other backends tried after a failed connect before the client is closed (default 2)
          --fall N               failed connects/checks in a row that mark a backend down (default 3)
          --rise N               passed checks in a row that mark it up again (default 2)
          --check-interval DUR   TCP connect health check of every backend; 0s turns it off (default 2s)
          --send-proxy v1|v2     send a PROXY protocol header with the client's address to the backends
          (--max-pending bounds each direction: reading one side pauses while the other's output is full;
           --stats adds a line per backend: state, active, total, bytes each way, failures)

        kv flags:
          --max-frame SIZE       the most bytes one command may take, bulk strings included (default 16MiB);
                                 redis allows 512MiB per bulk string, reactor kv refuses a larger command
                                 with "-ERR Protocol error: invalid bulk length" and closes the connection

        bench echo flags:
          --host ADDR            server address (default 127.0.0.1)
          --port N               server port (default 7000)
          --connections N        connections, opened nonblocking, 256 at a time per loop (default 100)
          --duration DUR         measured time after warm-up (default 10s)
          --warmup DUR           time before measuring starts (default 2s)
          --size SIZE            message size (default 64)
          --pipeline P           messages in flight per connection, written as one batch (default 1)
          --threads N            client event loops (default: one per core)
          --sources K            spread connections over source addresses 127.0.0.1 .. 127.0.0.K
          --connect-timeout DUR  give up on a connect after this long (default 10s)
          --rcvbuf SIZE --sndbuf SIZE --nodelay on|off  socket options of each connection, as for servers
          --json                 one JSON line instead of text (same fields as scripts/loadgen/echo_client)
          exit status 1 when any byte mismatched, a connection failed or a connect failed.

        bench udp flags:
          --host ADDR --port N   the server (default 127.0.0.1:7000)
          --sockets K            connected client sockets (default 4)
          --size SIZE            datagram size, 16 to 65507 (default 64)
          --window W             datagrams in flight per socket (default 16)
          --count N              datagrams to echo in all (default 1000000)
          --timeout DUR          give up after this long (default 60s)
          --threads N            client event loops (default 1)
          --json                 one JSON line instead of text
          exit status 1 when a reply was corrupted or a send failed; loss is reported, not an error.

        sizes: 65536, 64KiB, 1MiB.  durations: 500ms, 2s, 1m.
        other: reactor --help, reactor --version
        exit status: 0 after a clean stop, 1 when the server cannot start, 2 for a bad command line.
        """;

    public static int Main(string[] args)
    {
        try
        {
            if (args.Length == 0) throw new UsageException("no command given");
            // "reactor echo --help" is asked as often as "reactor --help".
            if (Array.IndexOf(args, "--help", 1) > 0 || Array.IndexOf(args, "-h", 1) > 0) return PrintHelp();
            return args[0] switch
            {
                "--help" or "-h" or "help" => PrintHelp(),
                "--version" => PrintVersion(),
                "echo" => ServeCommand.Run(args.AsSpan(1), "echo", ServeCommand.Protocol.Shared(new Protocols.EchoHandler())),
                "upper" => ServeCommand.Run(args.AsSpan(1), "upper", ServeCommand.Protocol.Shared(new Protocols.UpperHandler())),
                "udp-echo" => ServeCommand.RunUdp(args.AsSpan(1), "udp-echo", ["sockperf"],
                    flags => flags.Switch("sockperf") ? new Protocols.SockperfHandler() : new Protocols.UdpEchoHandler()),
                "chat" => ServeCommand.Run(args.AsSpan(1), "chat", Chat),
                "http" => ServeCommand.Run(args.AsSpan(1), "http", HttpCommand.Protocol),
                "proxy" => ServeCommand.Run(args.AsSpan(1), "proxy", ProxyCommand.Create()),
                "kv" => ServeCommand.Run(args.AsSpan(1), "kv", KvCommand.Protocol),
                "bench" => BenchCommand.Run(args.AsSpan(1)),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"reactor: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (ArgumentException e)
        {
            // A setting from outside the command line, e.g. REACTOR_BACKEND naming no backend.
            Console.Error.WriteLine($"reactor: {e.Message}");
            return 2;
        }
        catch (ReactorException e)
        {
            Console.Error.WriteLine($"reactor: {e.Message}");
            return 1;
        }
    }

    private static readonly ServeCommand.Protocol Chat = new(["max-line"], [], (flags, options) =>
        new Protocols.Chat.ChatRoom(options.LoopCount, (int)flags.Size("max-line", Protocols.Framing.LineFraming.DefaultMaxLineBytes, 1, 1 << 30)).Join);

    private static int PrintHelp()
    {
        Console.WriteLine(Usage);
        return 0;
    }

    private static int PrintVersion()
    {
        string version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        Console.WriteLine($"reactor {version.Split('+')[0]} ({Environment.Version} runtime, {(OperatingSystem.IsLinux() ? "epoll" : "none")} backend)");
        return 0;
    }
}
