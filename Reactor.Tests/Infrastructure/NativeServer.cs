using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace Reactor.Tests.Infrastructure;

/// <summary>
/// The published native server running in its own process, watched through /proc: RSS, CPU
/// time, open fds, and the lines it prints on stderr (for <c>--stats</c>).
/// </summary>
public sealed partial class NativeServer : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Task _stderrPump;
    private bool _disposed;

    /// <param name="args">Verb and flags; <c>--port 0</c> is added.</param>
    /// <param name="fileLimit">When set, the server runs under <c>ulimit -n</c> of this value.</param>
    /// <param name="executable">Another server that prints the same "listening on" line (the C example); default: reactor.</param>
    /// <param name="listenFd">When set, a listening socket of this process (not close-on-exec) that the server
    /// inherits as fd 3 with LISTEN_FDS=1 and LISTEN_PID set, as systemd's socket activation passes it.</param>
    public NativeServer(string[] args, int? fileLimit = null, string? executable = null, int? listenFd = null)
    {
        executable ??= NativeBinary.Path_;
        ProcessStartInfo info;
        if (fileLimit is not null || listenFd is not null)
        {
            // The shell sets the hard limit too, so the server cannot raise it back; exec keeps its pid for LISTEN_PID.
            string script = (fileLimit is int limit ? $"ulimit -n {limit} && " : "")
                + (listenFd is int fd ? $"exec 3<&{fd} && export LISTEN_FDS=1 LISTEN_PID=$$ && " : "")
                + "exec \"$0\" \"$@\"";
            // bash: dash takes only single-digit fds in a redirection.
            info = new ProcessStartInfo("/bin/bash");
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(script);
            info.ArgumentList.Add(executable);
        }
        else
        {
            info = new ProcessStartInfo(executable);
        }
        foreach (string a in args) info.ArgumentList.Add(a);
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("0");
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        _process = Process.Start(info)!;
        _stderrPump = Task.Run(() =>
        {
            string? line;
            while ((line = _process.StandardError.ReadLine()) is not null) _stderr.Enqueue(line);
        });
        string? first = _process.StandardOutput.ReadLine();
        if (first is null)
        {
            _stderrPump.Wait(5000);
            Assert.Fail("reactor exited before listening: " + string.Join("\n", _stderr));
        }
        Match m = ListeningLine().Match(first);
        Assert.True(m.Success, "unexpected first line: " + first);
        Port = int.Parse(m.Groups[1].Value);
        Listening = first;
    }

    public int Port { get; }

    /// <summary>The first line on stdout: "reactor echo: listening on 127.0.0.1:PORT (N loops, BACKEND)".</summary>
    public string Listening { get; }
    public int Pid => _process.Id;

    public async Task<Socket> ConnectAsync()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port));
        return s;
    }

    /// <summary>
    /// Echoes <paramref name="bytes"/> random bytes on each of <paramref name="connections"/>
    /// concurrent connections and asserts every byte came back, in order.
    /// </summary>
    public async Task AssertEchoesAsync(int connections, int bytes)
    {
        byte[] data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes);
        var sockets = new Socket[connections];
        for (int i = 0; i < sockets.Length; i++) sockets[i] = await ConnectAsync();
        byte[][] echoes = await Task.WhenAll(Array.ConvertAll(sockets, s => s.EchoAsync(data))).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (byte[] e in echoes) Assert.True(data.AsSpan().SequenceEqual(e), "an echo differs from what was sent");
        foreach (Socket s in sockets) s.Dispose();
    }

    /// <summary>Resident set size in KiB (VmRSS).</summary>
    public long RssKiB() => StatusField("VmRSS");

    /// <summary>Peak resident set size in KiB (VmHWM).</summary>
    public long PeakRssKiB() => StatusField("VmHWM");

    /// <summary>User plus system CPU time of the whole process, in seconds.</summary>
    public double CpuSeconds() => ProcCpu.ProcessSeconds(Pid);

    public int OpenFds() => Directory.GetFiles($"/proc/{Pid}/fd").Length;

    /// <summary>Stderr lines so far.</summary>
    public string[] StderrLines => _stderr.ToArray();

    /// <summary>The pool chunks in use from the newest <c>--stats</c> line of loop 0.</summary>
    public int? LastChunksInUse()
    {
        string? line = LastStats();
        if (line is null) return null;
        Match m = ChunksField().Match(line);
        return m.Success ? int.Parse(m.Groups[1].Value) : null;
    }

    /// <summary>The newest <c>--stats</c> line of loop <paramref name="loop"/>, or null before the first.</summary>
    public string? LastStats(int loop = 0) => _stderr.LastOrDefault(l => l.StartsWith($"loop {loop}:"));

    /// <summary>A counter of a <c>--stats</c> line: <c>Stat(line, "accepted")</c>; for "chunks", those in use.</summary>
    public static long Stat(string line, string name) => long.Parse(line.Split($" {name} ")[1].Split(' ', '/')[0]);

    /// <summary>Sends SIGTERM.</summary>
    public void SendSigterm()
    {
        Assert.False(_process.HasExited, "reactor died before SIGTERM: " + string.Join("\n", _stderr.TakeLast(5)));
        SendSigterm(Pid);
    }

    /// <summary>Sends SIGTERM to any process of the test.</summary>
    public static void SendSigterm(int pid) => Assert.Equal(0, kill(pid, 15));

    /// <summary>Sends SIGKILL to any process of the test (one this class did not start).</summary>
    public static void Kill(int pid) => kill(pid, 9);

    /// <summary>Waits for the exit and returns the exit code; fails after <paramref name="seconds"/>.</summary>
    public int WaitForExit(double seconds = 10)
    {
        Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(seconds)), $"reactor did not exit within {seconds} s of SIGTERM");
        _stderrPump.Wait(5000);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM and returns the exit code; fails if the process takes over <paramref name="seconds"/>.</summary>
    public int Terminate(double seconds = 10)
    {
        SendSigterm();
        return WaitForExit(seconds);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Kills the server (SIGKILL) if it still runs. A test may kill it early; disposing again does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    private long StatusField(string name)
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(name + ":")) return long.Parse(line[(name.Length + 1)..].Trim().Split(' ')[0]);
        }
        throw new InvalidOperationException($"{name} missing from /proc/{Pid}/status");
    }

    [DllImport("libc")]
    private static extern int kill(int pid, int sig);

    [GeneratedRegex(@"listening on .*:(\d+) \(")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@" chunks (\d+)/")]
    private static partial Regex ChunksField();
}
