using System;
using System.Runtime.CompilerServices;

namespace Reactor.Protocols.Kv;

internal static partial class KvCommands
{
    [Flags]
    private enum ExpireOptions
    {
        None = 0,
        Nx = 1,
        Xx = 2,
        Gt = 4,
        Lt = 8,
    }

    /// <summary>DEL key [key ...]: how many existed (an expired key does not count).</summary>
    private static void Del(in Request request) => CountKeys(request, delete: true);

    /// <summary>EXISTS key [key ...]: how many of the keys exist, a key named twice counted twice.</summary>
    private static void Exists(in Request request) => CountKeys(request, delete: false);

    private static void CountKeys(in Request request, bool delete)
    {
        ulong shards = ShardsOf(request, 1, 1);
        long count = 0;
        request.Keyspace.Enter(shards);
        try
        {
            for (int i = 1; i < request.Count; i++)
            {
                Shard shard = ShardOf(request, request[i]);
                if (Unsafe.IsNullRef(ref shard.Find(request[i], request.Now))) continue;
                if (delete) shard.Remove(request[i]);
                count++;
            }
        }
        finally
        {
            request.Keyspace.Exit(shards);
        }
        RespReply.Integer(request.Connection, count);
    }

    /// <summary>EXPIRE key seconds [NX | XX | GT | LT]</summary>
    private static void Expire(in Request request) => ExpireIn(request, "expire", 1000);

    /// <summary>PEXPIRE key milliseconds [NX | XX | GT | LT]</summary>
    private static void PExpire(in Request request) => ExpireIn(request, "pexpire", 1);

    /// <summary>expireGenericCommand of expire.c: 1 when the expiry was set (or the key deleted, for a time already past), 0 when the key is missing or an option said no.</summary>
    private static void ExpireIn(in Request request, string name, long unit)
    {
        ExpireOptions options = ExpireOptions.None;
        for (int i = 3; i < request.Count; i++)
        {
            Span<byte> option = request[i];
            if (Is(option, "NX"u8)) options |= ExpireOptions.Nx;
            else if (Is(option, "XX"u8)) options |= ExpireOptions.Xx;
            else if (Is(option, "GT"u8)) options |= ExpireOptions.Gt;
            else if (Is(option, "LT"u8)) options |= ExpireOptions.Lt;
            else
            {
                var error = new ErrorReply(request.Connection);
                error.Append("Unsupported option ");
                error.Append(Cut(option, 128));
                error.Send();
                return;
            }
        }
        if ((options & ExpireOptions.Nx) != 0 && (options & ~ExpireOptions.Nx) != 0)
        {
            RespReply.Raw(request.Connection, "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"u8);
            return;
        }
        if ((options & (ExpireOptions.Gt | ExpireOptions.Lt)) == (ExpireOptions.Gt | ExpireOptions.Lt))
        {
            RespReply.Raw(request.Connection, "-ERR GT and LT options at the same time are not compatible\r\n"u8);
            return;
        }
        if (!RespNumber.TryParse(request[2], out long amount))
        {
            RespReply.Raw(request.Connection, RespReply.NotAnInteger);
            return;
        }
        if (amount > long.MaxValue / unit || amount < long.MinValue / unit || amount * unit > long.MaxValue - request.Now)
        {
            InvalidExpireTime(request.Connection, name);
            return;
        }
        long when = request.Now + amount * unit;

        Span<byte> key = request[1];
        using (LockShard(request, key, out Shard shard))
        {
            ref Entry entry = ref shard.Find(key, request.Now);
            if (Unsafe.IsNullRef(ref entry))
            {
                RespReply.Raw(request.Connection, RespReply.Zero);
                return;
            }
            long current = entry.ExpiresAt;
            bool refused = ((options & ExpireOptions.Nx) != 0 && current != 0)
                || ((options & ExpireOptions.Xx) != 0 && current == 0)
                || ((options & ExpireOptions.Gt) != 0 && (current == 0 || when <= current))
                || ((options & ExpireOptions.Lt) != 0 && current != 0 && when >= current);
            if (refused)
            {
                RespReply.Raw(request.Connection, RespReply.Zero);
                return;
            }
            if (when <= request.Now) shard.Remove(key);
            else shard.Expire(key, ref entry, when);
        }
        RespReply.Raw(request.Connection, RespReply.One);
    }

    /// <summary>TTL key: seconds left, rounded; -1 without an expiry; -2 when missing.</summary>
    private static void Ttl(in Request request) => TimeToLive(request, 1000);

    /// <summary>PTTL key: milliseconds left; -1 without an expiry; -2 when missing.</summary>
    private static void PTtl(in Request request) => TimeToLive(request, 1);

    private static void TimeToLive(in Request request, long unit)
    {
        Span<byte> key = request[1];
        long reply;
        using (LockShard(request, key, out Shard shard))
        {
            ref Entry entry = ref shard.Find(key, request.Now);
            if (Unsafe.IsNullRef(ref entry)) reply = -2;
            else if (entry.ExpiresAt == 0) reply = -1;
            else reply = (Math.Max(entry.ExpiresAt - request.Now, 0) + unit / 2) / unit;
        }
        RespReply.Integer(request.Connection, reply);
    }
}
