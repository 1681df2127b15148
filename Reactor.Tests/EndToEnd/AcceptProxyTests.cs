using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>HAProxy (apt package haproxy) sending PROXY headers to the native <c>reactor echo --accept-proxy</c>.</summary>
public class AcceptProxyTests
{
    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Theory]
    [InlineData("send-proxy")]
    [InlineData("send-proxy-v2")]
    public async Task HAProxySendProxy_ReactorEchoAcceptProxy_EchoesThroughAndPlainClientsAreRefused(string option)
    {
        const string haproxy = "/usr/sbin/haproxy";
        Assert.True(File.Exists(haproxy), "haproxy is missing: apt-get install haproxy");
        using var echo = new NativeServer(["echo", "--threads", "1", "--accept-proxy"]);
        int port = FreePort();
        string config = Path.Combine(Path.GetTempPath(), $"reactor-accept-proxy-{Environment.ProcessId}-{port}.cfg");
        File.WriteAllText(config, $"""
            global
                maxconn 100
            defaults
                mode tcp
                timeout connect 2s
                timeout client 10s
                timeout server 10s
            frontend front
                bind 127.0.0.1:{port}
                default_backend echo
            backend echo
                server echo1 127.0.0.1:{echo.Port} {option}

            """);   // haproxy refuses a last line without its LF
        var info = new ProcessStartInfo(haproxy) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-db", "-f", config }) info.ArgumentList.Add(a);
        using Process proxy = Process.Start(info)!;
        try
        {
            var endPoint = new IPEndPoint(IPAddress.Loopback, port);
            Socket? s = null;
            TestServer.WaitUntil(() =>
            {
                if (proxy.HasExited) Assert.Fail($"haproxy exited ({proxy.ExitCode}): {proxy.StandardError.ReadToEnd()}");
                try
                {
                    s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    s.Connect(endPoint);
                    return true;
                }
                catch (SocketException)
                {
                    s!.Dispose();
                    return false;
                }
            }, "haproxy listening");
            using (s)
            {
                byte[] data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(256 << 10);
                Assert.Equal(data, await s!.EchoAsync(data).WaitAsync(TimeSpan.FromSeconds(30)));
            }
            // Straight to the server without a header: closed, nothing echoed.
            using Socket plain = await echo.ConnectAsync();
            await plain.SendAllAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
            long echoed = 0;
            try { echoed = await plain.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { }
            Assert.Equal(0, echoed);
        }
        finally
        {
            if (!proxy.HasExited) proxy.Kill();
            proxy.WaitForExit();
            File.Delete(config);
        }
    }
}
