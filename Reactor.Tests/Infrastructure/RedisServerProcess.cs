using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Reactor.Tests.Infrastructure;

/// <summary>
/// A real redis-server for side-by-side tests, listening only on a Unix socket in a temporary
/// directory (no port to collide with), persisting nothing. Fails naming the apt package when missing.
/// </summary>
public sealed class RedisServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    public RedisServerProcess()
    {
        string executable = ExternalTool.Require("redis-server", "redis-server");
        _directory = Directory.CreateTempSubdirectory("reactor-redis-").FullName;
        SocketPath = Path.Combine(_directory, "redis.sock");
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "--port", "0", "--unixsocket", SocketPath, "--save", "", "--appendonly", "no", "--dir", _directory })
            info.ArgumentList.Add(a);
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        TestServer.WaitUntil(CanConnect, "redis-server accepting on its socket");
    }

    public string SocketPath { get; }
    public EndPoint EndPoint => new UnixDomainSocketEndPoint(SocketPath);

    private bool CanConnect()
    {
        Assert.False(_process.HasExited, "redis-server exited at start");
        if (!File.Exists(SocketPath)) return false;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(EndPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
