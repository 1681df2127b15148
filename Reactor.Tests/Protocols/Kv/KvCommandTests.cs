using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Kv;

/// <summary>Each command family against a running server over real sockets; replies as redis 7 sends them.</summary>
public class KvCommandTests
{
    [Fact]
    public async Task Strings_SetGetIncrAndErrors_RedisReplies()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));
        Assert.Equal("$2\r\nhi\r\n", await c.CallAsync("ping", "hi"));
        Assert.Equal("$3\r\na b\r\n", await c.CallAsync("ECHO", "a b"));
        Assert.Equal("$-1\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k", "v1"));
        Assert.Equal("$2\r\nv1\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k", "v2"));
        Assert.Equal("$2\r\nv2\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("$-1\r\n", await c.CallAsync("SET", "k", "x", "NX"));
        Assert.Equal("$-1\r\n", await c.CallAsync("SET", "other", "x", "XX"));
        Assert.Equal("$2\r\nv2\r\n", await c.CallAsync("SET", "k", "v3", "GET"));
        Assert.Equal("$2\r\nv3\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("-ERR syntax error\r\n", await c.CallAsync("SET", "k", "v", "NX", "XX"));
        Assert.Equal("-ERR syntax error\r\n", await c.CallAsync("SET", "k", "v", "EX"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", await c.CallAsync("SET", "k", "v", "EX", "soon"));
        Assert.Equal("-ERR invalid expire time in 'set' command\r\n", await c.CallAsync("SET", "k", "v", "PX", "0"));
        Assert.Equal(":1\r\n", await c.CallAsync("INCR", "n"));
        Assert.Equal(":11\r\n", await c.CallAsync("INCRBY", "n", "10"));
        Assert.Equal(":10\r\n", await c.CallAsync("DECR", "n"));
        Assert.Equal(":-90\r\n", await c.CallAsync("DECRBY", "n", "100"));
        Assert.Equal("$3\r\n-90\r\n", await c.CallAsync("GET", "n"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", await c.CallAsync("INCR", "k"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", await c.CallAsync("INCRBY", "n", "1.5"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "max", long.MaxValue.ToString()));
        Assert.Equal("-ERR increment or decrement would overflow\r\n", await c.CallAsync("INCR", "max"));
        Assert.Equal("-ERR decrement would overflow\r\n", await c.CallAsync("DECRBY", "n", long.MinValue.ToString()));
        Assert.Equal("+OK\r\n", await c.CallAsync("MSET", "a", "1", "b", "2"));
        Assert.Equal("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n", await c.CallAsync("MGET", "a", "missing", "b"));
        Assert.Equal("-ERR wrong number of arguments for 'mset' command\r\n", await c.CallAsync("MSET", "a", "1", "b"));
        Assert.Equal("-ERR wrong number of arguments for 'get' command\r\n", await c.CallAsync("GET"));
        Assert.Equal("-ERR unknown command 'FOO', with args beginning with: 'x' 'y' \r\n", await c.CallAsync("FOO", "x", "y"));
        Assert.Equal("-ERR unknown command 'a  b', with args beginning with: \r\n", await c.CallAsync("a\r\nb"));
    }

    [Fact]
    public async Task Keys_DelExistsDbsizeFlushall_Counted()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        await c.CallAsync("MSET", "a", "1", "b", "2", "c", "3");
        Assert.Equal(":3\r\n", await c.CallAsync("EXISTS", "a", "a", "b", "zz"));
        Assert.Equal(":2\r\n", await c.CallAsync("DEL", "a", "b", "zz"));
        Assert.Equal(":1\r\n", await c.CallAsync("DBSIZE"));
        Assert.Equal("+OK\r\n", await c.CallAsync("FLUSHALL"));
        Assert.Equal(":0\r\n", await c.CallAsync("DBSIZE"));
        Assert.Equal("-ERR syntax error\r\n", await c.CallAsync("FLUSHALL", "later"));
    }

    [Fact]
    public async Task Expiry_TtlAndPttl_KeysGoneWhenDue()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        Assert.Equal(":-2\r\n", await c.CallAsync("TTL", "k"));
        await c.CallAsync("SET", "k", "v");
        Assert.Equal(":-1\r\n", await c.CallAsync("TTL", "k"));
        Assert.Equal(":1\r\n", await c.CallAsync("EXPIRE", "k", "100"));
        Assert.Equal(":100\r\n", await c.CallAsync("TTL", "k"));
        Assert.Equal(":0\r\n", await c.CallAsync("EXPIRE", "k", "50", "GT"));
        Assert.Equal(":1\r\n", await c.CallAsync("EXPIRE", "k", "50", "LT"));
        Assert.Equal(":0\r\n", await c.CallAsync("EXPIRE", "k", "10", "NX"));
        Assert.Equal("-ERR Unsupported option SOON\r\n", await c.CallAsync("EXPIRE", "k", "10", "SOON"));
        Assert.Equal(":0\r\n", await c.CallAsync("EXPIRE", "nokey", "10"));
        long pttl = long.Parse((await c.CallAsync("PTTL", "k"))[1..^2]);
        Assert.InRange(pttl, 40_000, 50_000);
        // A plain SET takes the expiry away; KEEPTTL keeps it.
        await c.CallAsync("SET", "k", "v2", "KEEPTTL");
        Assert.NotEqual(":-1\r\n", await c.CallAsync("TTL", "k"));
        await c.CallAsync("SET", "k", "v3");
        Assert.Equal(":-1\r\n", await c.CallAsync("TTL", "k"));
        // An expiry in the past deletes at once.
        Assert.Equal(":1\r\n", await c.CallAsync("PEXPIRE", "k", "-1"));
        Assert.Equal(":0\r\n", await c.CallAsync("EXISTS", "k"));

        await c.CallAsync("SET", "short", "v", "PX", "50");
        DateTime deadline = DateTime.UtcNow.AddSeconds(5);
        while (await c.CallAsync("GET", "short") != "$-1\r\n")
        {
            Assert.True(DateTime.UtcNow < deadline, "a key set with PX 50 was still returned after 5 s");
            await Task.Delay(5);
        }
        Assert.Equal(":-2\r\n", await c.CallAsync("PTTL", "short"));
    }

    [Fact]
    public async Task Expiry_KeysNobodyTouches_ReclaimedByTheActiveSweep()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        for (int i = 0; i < 1000; i++) await c.SendAsync(RespClient.Encode("SET", $"volatile:{i}", "v", "PX", "20"));
        await c.SendAsync(RespClient.Encode("SET", "stays", "v"));
        for (int i = 0; i < 1001; i++) Assert.Equal("+OK\r\n", Encoding.Latin1.GetString(await c.ReadReplyAsync()));
        // DBSIZE counts expired keys until they are reclaimed (as redis's does), and nothing here
        // touches them: only the sweep can bring it down to the one key without an expiry.
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (await c.CallAsync("DBSIZE") != ":1\r\n")
        {
            Assert.True(DateTime.UtcNow < deadline, "expired keys were not reclaimed within 10 s");
            await Task.Delay(20);
        }
        Assert.Equal("$1\r\nv\r\n", await c.CallAsync("GET", "stays"));
    }

    [Fact]
    public async Task Lists_PushPopRange_RedisOrder()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        Assert.Equal(":3\r\n", await c.CallAsync("RPUSH", "l", "a", "b", "c"));
        Assert.Equal(":5\r\n", await c.CallAsync("LPUSH", "l", "y", "z"));
        Assert.Equal("*5\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", await c.CallAsync("LRANGE", "l", "0", "-1"));
        Assert.Equal("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", await c.CallAsync("LRANGE", "l", "-2", "100"));
        Assert.Equal("*0\r\n", await c.CallAsync("LRANGE", "l", "3", "1"));
        Assert.Equal("$1\r\nz\r\n", await c.CallAsync("LPOP", "l"));
        Assert.Equal("*2\r\n$1\r\nc\r\n$1\r\nb\r\n", await c.CallAsync("RPOP", "l", "2"));
        Assert.Equal("*0\r\n", await c.CallAsync("LPOP", "l", "0"));
        Assert.Equal("-ERR value is out of range, must be positive\r\n", await c.CallAsync("LPOP", "l", "-1"));
        Assert.Equal("*2\r\n$1\r\ny\r\n$1\r\na\r\n", await c.CallAsync("LPOP", "l", "10"));
        Assert.Equal(":0\r\n", await c.CallAsync("EXISTS", "l"));
        Assert.Equal("$-1\r\n", await c.CallAsync("LPOP", "l"));
        Assert.Equal("*-1\r\n", await c.CallAsync("LPOP", "l", "1"));
        Assert.Equal("-ERR wrong number of arguments for 'lpop' command\r\n", await c.CallAsync("LPOP", "l", "1", "2"));
        // Growth past the ring's first capacity, from both ends.
        for (int i = 0; i < 100; i++) await c.CallAsync(i % 2 == 0 ? "LPUSH" : "RPUSH", "big", i.ToString());
        string range = await c.CallAsync("LRANGE", "big", "0", "-1");
        string expected = string.Concat(Enumerable.Range(0, 50).Select(i => 98 - 2 * i).Concat(Enumerable.Range(0, 50).Select(i => 2 * i + 1)).Select(v => $"${v.ToString().Length}\r\n{v}\r\n"));
        Assert.Equal("*100\r\n" + expected, range);
    }

    [Fact]
    public async Task SetsAndHashes_AddPopCardSetGet()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        Assert.Equal(":2\r\n", await c.CallAsync("SADD", "s", "a", "b", "a"));
        Assert.Equal(":1\r\n", await c.CallAsync("SADD", "s", "b", "c"));
        Assert.Equal(":3\r\n", await c.CallAsync("SCARD", "s"));
        string[] popped = new string[3];
        for (int i = 0; i < 3; i++) popped[i] = await c.CallAsync("SPOP", "s");
        Assert.Equal(["$1\r\na\r\n", "$1\r\nb\r\n", "$1\r\nc\r\n"], popped.Order());
        Assert.Equal("$-1\r\n", await c.CallAsync("SPOP", "s"));
        Assert.Equal("*0\r\n", await c.CallAsync("SPOP", "s", "2"));
        Assert.Equal(":0\r\n", await c.CallAsync("SCARD", "s"));
        Assert.Equal("-ERR syntax error\r\n", await c.CallAsync("SPOP", "s", "1", "2"));

        Assert.Equal(":2\r\n", await c.CallAsync("HSET", "h", "f1", "v1", "f2", "v2"));
        Assert.Equal(":0\r\n", await c.CallAsync("HSET", "h", "f1", "new"));
        Assert.Equal("$3\r\nnew\r\n", await c.CallAsync("HGET", "h", "f1"));
        Assert.Equal("$-1\r\n", await c.CallAsync("HGET", "h", "f9"));
        Assert.Equal("$-1\r\n", await c.CallAsync("HGET", "nohash", "f1"));
        Assert.Equal("-ERR wrong number of arguments for 'hset' command\r\n", await c.CallAsync("HSET", "h", "f1", "v1", "f2"));
    }

    [Fact]
    public async Task WrongType_EveryFamily_WrongTypeError()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        await c.CallAsync("SET", "str", "v");
        await c.CallAsync("RPUSH", "list", "v");
        const string wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        Assert.Equal(wrongType, await c.CallAsync("GET", "list"));
        Assert.Equal(wrongType, await c.CallAsync("INCR", "list"));
        Assert.Equal(wrongType, await c.CallAsync("SET", "list", "v", "GET"));
        Assert.Equal(wrongType, await c.CallAsync("LPUSH", "str", "v"));
        Assert.Equal(wrongType, await c.CallAsync("LRANGE", "str", "0", "1"));
        Assert.Equal(wrongType, await c.CallAsync("SADD", "list", "v"));
        Assert.Equal(wrongType, await c.CallAsync("SCARD", "str"));
        Assert.Equal(wrongType, await c.CallAsync("HSET", "str", "f", "v"));
        Assert.Equal(wrongType, await c.CallAsync("HGET", "list", "f"));
        // A plain SET replaces a value of any type.
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "list", "now a string"));
        Assert.Equal("$12\r\nnow a string\r\n", await c.CallAsync("GET", "list"));
    }

    [Fact]
    public async Task StartupCommands_ConfigGetAndCommandDocs_Answered()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        Assert.Equal("*2\r\n$4\r\nsave\r\n$0\r\n\r\n", await c.CallAsync("CONFIG", "GET", "save"));
        Assert.Equal("*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n", await c.CallAsync("config", "get", "APPENDONLY"));
        Assert.Equal("*0\r\n", await c.CallAsync("CONFIG", "GET", "maxmemory-policy-of-mars"));
        Assert.Equal("-ERR wrong number of arguments for 'config|get' command\r\n", await c.CallAsync("CONFIG", "GET"));
        Assert.Equal("-ERR unknown subcommand 'rewrite'. Try CONFIG HELP.\r\n", await c.CallAsync("CONFIG", "rewrite"));
        Assert.Equal("*0\r\n", await c.CallAsync("COMMAND", "DOCS"));
    }

    [Fact]
    public async Task Inline_CommandsWithQuotes_SameAsMultibulk()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        await c.SendAsync("SET greeting \"hello world\\n\"\r\nGET greeting\nPING\r\n"u8.ToArray());
        Assert.Equal("+OK\r\n", Encoding.Latin1.GetString(await c.ReadReplyAsync()));
        Assert.Equal("$12\r\nhello world\n\r\n", Encoding.Latin1.GetString(await c.ReadReplyAsync()));
        Assert.Equal("+PONG\r\n", Encoding.Latin1.GetString(await c.ReadReplyAsync()));
    }

    [Fact]
    public async Task Pipeline_ThousandCommandsInOneWrite_RepliesInOrderInFewSends()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        byte[] batch = Enumerable.Range(0, 1000).SelectMany(i => RespClient.Encode("INCR", "counter")).ToArray();
        long sendsBefore = server.Server.SumOnLoops(l => l.Stats.SendCalls);
        await c.SendAsync(batch);
        for (int i = 1; i <= 1000; i++) Assert.Equal($":{i}\r\n", Encoding.Latin1.GetString(await c.ReadReplyAsync()));
        long sends = server.Server.SumOnLoops(l => l.Stats.SendCalls) - sendsBefore;
        // 1,000 commands (about 26 KB) arrive in a few reads; the replies to each read leave in one sendmsg.
        Assert.InRange(sends, 1, 20);
    }

    [Fact]
    public async Task BigValue_FiveMebibytes_StoredAndReturnedWhole()
    {
        using var server = new KvTestServer();
        using RespClient c = await server.ConnectAsync();
        byte[] value = new byte[5 << 20];
        new Random(7).NextBytes(value);
        await c.SendAsync(RespClient.Encode("SET"u8.ToArray(), "big"u8.ToArray(), value));
        Assert.Equal("+OK\r\n", Encoding.Latin1.GetString(await c.ReadReplyAsync()));
        await c.SendAsync(RespClient.Encode("GET", "big"));
        byte[] reply = await c.ReadReplyAsync();
        Assert.Equal(Encoding.ASCII.GetBytes($"${value.Length}\r\n").Concat(value).Concat("\r\n"u8.ToArray()), reply);
        // NeedInput sized the input block once the bulk length was read: the value was copied about once.
        long copied = server.Server.SumOnLoops(l => l.Stats.InputBytesCopied);
        Assert.InRange(copied, 0, 2L * value.Length);
    }
}
