using Reactor.Protocols.Kv;

namespace Reactor.Cli;

/// <summary><c>reactor kv</c>: the RESP2 key-value server, on redis's port by default so redis clients find it without flags.</summary>
internal static class KvCommand
{
    private const int RedisPort = 6379;

    public static readonly ServeCommand.Protocol Protocol = new(["max-frame"], [], (flags, options) =>
    {
        if (flags.String("port") is null) options.Port = RedisPort;
        int maxFrame = (int)flags.Size("max-frame", 16 << 20, 1024, 512 << 20);
        return KvHandler.Factory(new Keyspace(), maxFrame);
    });
}
