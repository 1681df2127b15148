using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary><c>reactor kv</c> as published, driven by redis's own tools and compared with redis-server.</summary>
public partial class KvNativeTests
{
    // Commands whose replies are deterministic (SPOP only on one-member sets, TTL on a key just given 100 s).
    private static readonly string[][] Script =
    [
        ["PING"], ["PING", "hello"], ["ECHO", "a b"], ["ECHO"],
        ["SET", "k", "v"], ["GET", "k"], ["SET", "k", "v2", "GET"], ["SET", "k", "v3", "NX"], ["SET", "k", "v4", "XX"],
        ["SET", "k", "v5", "NX", "GET"], ["SET", "fresh", "v", "NX"], ["GET", "missing"], ["GET"],
        ["SET", "k", "v", "EX", "100"], ["TTL", "k"], ["EXPIRE", "k", "50", "LT"], ["TTL", "k"], ["EXPIRE", "k", "10", "NX"],
        ["EXPIRE", "k", "10", "FOO"], ["EXPIRE", "k", "10", "NX", "XX"], ["EXPIRE", "k", "10", "GT", "LT"], ["EXPIRE", "k", "ten"],
        ["SET", "k", "v", "PX", "0"], ["SET", "k", "v", "EX", "abc"], ["SET", "k", "v", "EX", "10", "PX", "10"], ["SET", "k", "v", "BOGUS"],
        ["SET", "k", "v", "KEEPTTL"], ["TTL", "fresh"], ["TTL", "nokey"], ["PEXPIRE", "fresh", "-1"], ["EXISTS", "fresh"],
        ["INCR", "n"], ["INCRBY", "n", "10"], ["DECR", "n"], ["DECRBY", "n", "3"], ["INCR", "k"], ["INCRBY", "n", "x"], ["GET", "n"],
        ["SET", "big", "9223372036854775807"], ["INCR", "big"], ["DECRBY", "n", "-9223372036854775808"], ["SET", "padded", " 1"], ["INCR", "padded"],
        ["MSET", "a", "1", "b", "2"], ["MGET", "a", "b", "c"], ["MSET", "a"], ["MSET", "a", "1", "b"], ["DEL", "a", "c"], ["EXISTS", "a", "b", "b"],
        ["RPUSH", "l", "a", "b", "c"], ["LPUSH", "l", "z"], ["LRANGE", "l", "0", "-1"], ["LRANGE", "l", "-2", "-1"], ["LRANGE", "l", "5", "10"],
        ["LRANGE", "l", "x", "1"], ["LPOP", "l"], ["RPOP", "l"], ["RPOP", "l", "5"], ["LPOP", "l"], ["LPOP", "nolist", "2"], ["LPOP", "l", "-1"],
        ["LPOP", "l", "1", "2"], ["RPUSH", "l2", "x"], ["LPOP", "l2", "0"],
        ["SADD", "s", "x", "y", "x"], ["SCARD", "s"], ["SADD", "single", "m"], ["SPOP", "single"], ["SPOP", "single"], ["SPOP", "single", "3"],
        ["SCARD", "nos"], ["SPOP", "s", "1", "2"], ["SPOP", "s", "-1"],
        ["HSET", "h", "f1", "v1", "f2", "v2"], ["HSET", "h", "f1", "v9"], ["HGET", "h", "f1"], ["HGET", "h", "nof"], ["HGET", "noh", "f"], ["HSET", "h", "f1"],
        ["RPUSH", "wl", "a"], ["GET", "wl"], ["SADD", "wl", "x"], ["HGET", "wl", "f"], ["INCR", "wl"], ["LPUSH", "k", "x"], ["SCARD", "k"], ["SET", "wl", "str", "GET"],
        ["FOO", "bar", "baz"], ["foo"], ["set"],
        ["CONFIG", "GET", "save"], ["CONFIG", "GET", "appendonly"], ["CONFIG", "GET", "nonexistent"], ["CONFIG", "GET"], ["CONFIG", "NOPE"],
        ["DBSIZE"], ["FLUSHALL", "FOO"], ["FLUSHALL"], ["DBSIZE"], ["QUIT"],
    ];

    // Malformed input, each on a connection of its own, read to the close.
    private static readonly string[] Malformed =
    [
        "*1\r\n:x\r\n", "*1\r\n$-5\r\n", "*x\r\n", "SET \"abc\r\n", "SET \"a\"b\r\n",
        "PING\r\n*2\r\n$4\r\nECHO\r\n$3\r\nabcde\r\nPING\r\n", "\r\n\n*0\r\n*-1\r\nPING\r\n", "ECHO \"\\x41\\n\" 'it''s'\r\n",
    ];

    [Fact]
    public async Task Script_RawReplies_ByteForByteAsRedisServer()
    {
        using var redis = new RedisServerProcess();
        using var reactor = new NativeServer(["kv", "--threads", "2"]);
        byte[][] expected = await RunScriptAsync(redis.EndPoint);
        byte[][] actual = await RunScriptAsync(new IPEndPoint(IPAddress.Loopback, reactor.Port));
        for (int i = 0; i < Script.Length; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]),
                $"{string.Join(' ', Script[i])}: redis-server {Show(expected[i])}, reactor kv {Show(actual[i])}");
        }
        foreach (string input in Malformed)
        {
            byte[] fromRedis = await SendToCloseAsync(redis.EndPoint, input);
            byte[] fromReactor = await SendToCloseAsync(new IPEndPoint(IPAddress.Loopback, reactor.Port), input);
            Assert.True(fromRedis.AsSpan().SequenceEqual(fromReactor), $"{Show(Encoding.Latin1.GetBytes(input))}: redis-server {Show(fromRedis)}, reactor kv {Show(fromReactor)}");
        }
        Assert.Equal(0, reactor.Terminate());
    }

    [Fact]
    public void RedisCli_Script_SameOutputAsRedisServer()
    {
        string cli = ExternalTool.Require("redis-cli", "redis-tools");
        using var redis = new RedisServerProcess();
        using var reactor = new NativeServer(["kv", "--threads", "2"]);
        // redis-cli reads one command a line from a non-terminal stdin and prints raw replies.
        string script = string.Join('\n', Script.Select(command => string.Join(' ', command.Select(Quote)))) + "\n";
        string fromRedis = RunCli(cli, ["-s", redis.SocketPath], script);
        string fromReactor = RunCli(cli, ["-p", reactor.Port.ToString()], script);
        Assert.Contains("WRONGTYPE", fromRedis);
        Assert.Equal(fromRedis, fromReactor);
        Assert.Equal(0, reactor.Terminate());
    }

    [Fact]
    public void RedisBenchmark_TwelveTests_EachReportsRequestsPerSecond()
    {
        string benchmark = ExternalTool.Require("redis-benchmark", "redis-tools");
        using var reactor = new NativeServer(["kv", "--threads", "2"]);
        var (code, output) = Run(benchmark, ["-p", reactor.Port.ToString(), "-t", "ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,mset", "-n", "100000", "-q"], null, 600_000);
        Assert.True(code == 0, $"redis-benchmark exited {code}: {output}");
        // Progress lines end in \r; each test's result line ends in \n.
        var results = output.Split('\r', '\n').Select(l => RateLine().Match(l)).Where(m => m.Success).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value));
        string[] tests = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET", "SPOP", "MSET (10 keys)"];
        foreach (string test in tests) Assert.True(results.TryGetValue(test, out double rate) && rate > 0, $"no requests-per-second line for {test} in: {output}");
        Assert.DoesNotContain("ERR", output);
        Assert.False(reactor.HasExited);
        Assert.Equal(0, reactor.Terminate());
    }

    [Fact]
    public async Task MaxFrame_BulkOverTheLimit_ProtocolErrorAndClose()
    {
        using var reactor = new NativeServer(["kv", "--threads", "1", "--max-frame", "64KiB"]);
        var endPoint = new IPEndPoint(IPAddress.Loopback, reactor.Port);
        using (RespClient c = await RespClient.ConnectAsync(endPoint))
        {
            await c.SendAsync(RespClient.Encode("SET", "k", new string('v', 64 * 1024)));
            Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", Encoding.Latin1.GetString(await c.ReadToEndAsync()));
        }
        using (RespClient c = await RespClient.ConnectAsync(endPoint))
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k", new string('v', 60 * 1024)));
        }
        Assert.Equal(0, reactor.Terminate());
    }

    private static async Task<byte[][]> RunScriptAsync(EndPoint endPoint)
    {
        using RespClient c = await RespClient.ConnectAsync(endPoint);
        var replies = new byte[Script.Length][];
        for (int i = 0; i < Script.Length; i++)
        {
            await c.SendAsync(RespClient.Encode(Script[i]));
            replies[i] = await c.ReadReplyAsync();
        }
        return replies;
    }

    private static async Task<byte[]> SendToCloseAsync(EndPoint endPoint, string input)
    {
        using RespClient c = await RespClient.ConnectAsync(endPoint);
        await c.SendAsync(Encoding.Latin1.GetBytes(input));
        c.Socket.Shutdown(SocketShutdown.Send);
        return await c.ReadToEndAsync();
    }

    private static string RunCli(string cli, string[] target, string script)
    {
        var (code, output) = Run(cli, target, script, 30_000);
        Assert.True(code == 0, $"redis-cli exited {code}: {output}");
        return output;
    }

    private static (int Code, string Output) Run(string program, string[] args, string? stdin, int timeoutMs)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill();
            Assert.Fail($"{program} did not finish within {timeoutMs / 1000} s; output so far: {stdout.Result}{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Quote(string argument) => argument.Length > 0 && !argument.Any(c => c is ' ' or '"' or '\'') ? argument : "\"" + argument.Replace("\"", "\\\"") + "\"";

    private static string Show(byte[] bytes) => "'" + Encoding.Latin1.GetString(bytes).Replace("\r", "\\r").Replace("\n", "\\n") + "'";

    [GeneratedRegex(@"^(.+): ([\d.]+) requests per second")]
    private static partial Regex RateLine();
}
