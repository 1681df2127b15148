using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Protocols.Http;
using Reactor.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Reactor.Tests.Protocols.Http;

/// <summary>
/// Mutated requests against a running server: it must answer each connection with a stream of
/// valid responses (or nothing) and close it, never hang one past its timeouts, never crash, and
/// serve valid requests afterwards with every buffer back in the pool.
/// </summary>
public class HttpFuzzTests(ITestOutputHelper output)
{
    private const int Requests = 100_000;
    private const int RequestsPerConnection = 5;

    private static readonly string[] Seeds =
    [
        "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /json?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nUser-Agent: fuzz\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: text/x\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: 1\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, x\r\nX-Long: " + new string('v', 300) + "\r\n\r\n",
    ];

    // Header lines spliced in: the framing and smuggling cases, and junk.
    private static readonly string[] Splices =
    [
        "Content-Length: 5\r\n", "Content-Length: 0\r\n", "Content-Length: 99999999999999999999\r\n", "Content-Length: -1\r\n",
        "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n", "Transfer-Encoding: chunked, identity\r\n",
        " folded\r\n", "\tfolded\r\n", "X: a\rb\r\n", "X: \0\r\n", "Bad Name: v\r\n", ": empty\r\n", "Host: b\r\n",
        "Expect: 100-continue\r\n", "Connection: close\r\n", "X-Big: " + new string('x', 9000) + "\r\n", "\r\n", "\n", "\r",
        "ffffffffffffffffff\r\n", "0\r\n\r\n", "GET / HTTP/1.1\r\n", "HTTP/9.9", "\xff\xfe",
    ];

    [Fact]
    public async Task Fuzz_HundredThousandMutatedRequests_ValidAnswersOrCloseAndServerKeepsServing()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var options = new HttpOptions { HeaderTimeout = TimeSpan.FromSeconds(1), KeepAliveTimeout = TimeSpan.FromSeconds(1) };
        using var server = RawHttp.Server(options, loops: 2);
        int connections = Requests / RequestsPerConnection;
        int next = -1, responses = 0, silentCloses = 0, keptOpen = 0;
        var statuses = new int[600];
        var clock = Stopwatch.StartNew();

        async Task Worker(int id)
        {
            var random = new Random(seed + id);
            int index;
            while ((index = Interlocked.Increment(ref next)) < connections)
            {
                byte[] input = Mutations(random);
                // One connection in fifty keeps its sending side open: the server's own timeouts must end it.
                bool halfClose = index % 50 != 0;
                (List<RawResponse> answers, bool closedByServer) = await Exchange(server, input, halfClose, index);
                Assert.True(closedByServer, $"seed {seed}, connection {index}: not closed {(halfClose ? "after our FIN" : "within the timeouts")}; input: {Escape(input)}");
                if (!halfClose) Interlocked.Increment(ref keptOpen);
                if (answers.Count == 0) Interlocked.Increment(ref silentCloses);
                Interlocked.Add(ref responses, answers.Count);
                foreach (RawResponse r in answers) Interlocked.Increment(ref statuses[r.Status]);
            }
        }

        var workers = new Task[16];
        for (int i = 0; i < workers.Length; i++) workers[i] = Task.Run(() => Worker(i));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(5));

        var summary = new StringBuilder($"{connections * RequestsPerConnection} mutated requests on {connections} connections in {clock.Elapsed.TotalSeconds:F1} s: {responses} responses, {silentCloses} connections closed without one, {keptOpen} of them kept their sending side open (closed by the server's timeouts or a refusal); statuses:");
        for (int s = 0; s < statuses.Length; s++) if (statuses[s] > 0) summary.Append($" {s}x{statuses[s]}");
        output.WriteLine(summary.ToString());
        Assert.True(statuses[400] > 0 && statuses[200] > 0, summary.ToString());

        // Still serving.
        using RawHttp client = await RawHttp.ConnectAsync(server);
        await client.SendAsync("GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal("Hello, World!", (await client.ReadAsync()).BodyText);
    }

    /// <summary><see cref="RequestsPerConnection"/> seed requests, each mutated once (byte flips, a truncation, a duplicated slice or a spliced header line), back to back.</summary>
    private static byte[] Mutations(Random random)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < RequestsPerConnection; i++)
        {
            var request = new List<byte>(Encoding.Latin1.GetBytes(Seeds[random.Next(Seeds.Length)]));
            switch (random.Next(4))
            {
                case 0: // byte flips
                    for (int f = random.Next(1, 4); f > 0; f--) request[random.Next(request.Count)] = (byte)random.Next(256);
                    break;
                case 1: // truncation
                    int cut = random.Next(request.Count);
                    request.RemoveRange(cut, request.Count - cut);
                    break;
                case 2: // duplication of a slice
                    int start = random.Next(request.Count), length = random.Next(1, Math.Min(64, request.Count - start) + 1);
                    request.InsertRange(start, request.GetRange(start, length));
                    break;
                default: // header splice
                    int lineStart = request.IndexOf((byte)'\n') + 1;
                    request.InsertRange(lineStart, Encoding.Latin1.GetBytes(Splices[random.Next(Splices.Length)]));
                    break;
            }
            bytes.AddRange(request);
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// Sends <paramref name="input"/>, optionally half-closes, reads to EOF and parses every response
    /// strictly. Returns them and whether the server closed within its timeouts (1 s each here, plus slack for a loaded machine).
    /// </summary>
    private static async Task<(List<RawResponse>, bool)> Exchange(TestServer server, byte[] input, bool halfClose, int index)
    {
        using Socket socket = await server.ConnectAsync();
        Task send = SendIgnoringReset(socket, input, halfClose);
        var received = new List<byte>();
        var buffer = new byte[64 * 1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(halfClose ? 5 : 8));
        bool closed = false;
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0) received.AddRange(buffer.AsSpan(0, n));
            closed = true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            closed = true;   // the server closed with our input unread: the kernel resets
        }
        catch (OperationCanceledException)
        {
        }
        await send;
        var answers = new List<RawResponse>();
        byte[] all = received.ToArray();
        int pos = 0;
        while (pos < all.Length)
        {
            // A response to a HEAD cannot come: no seed is HEAD, and one flip cannot make "GET " into "HEAD".
            int length = RawHttp.TryParse(all.AsSpan(pos), head: false, out RawResponse? response);
            Assert.True(length > 0, $"connection {index}: a truncated response at the end: {Escape(all[pos..])}");
            answers.Add(response!);
            pos += length;
        }
        return (answers, closed);
    }

    private static async Task SendIgnoringReset(Socket socket, byte[] input, bool halfClose)
    {
        try
        {
            await socket.SendAllAsync(input);
            if (halfClose) socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The server refused and closed while we were still sending: expected.
        }
    }

    private static string Escape(byte[] bytes)
    {
        string text = Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 2000));
        return text.Replace("\r", "\\r").Replace("\n", "\\n\n").Replace("\0", "\\0");
    }
}
