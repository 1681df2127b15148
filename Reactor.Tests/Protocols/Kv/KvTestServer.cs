using System;
using System.Threading.Tasks;
using Reactor.Protocols.Kv;
using Reactor.Tests.Infrastructure;

namespace Reactor.Tests.Protocols.Kv;

/// <summary>An in-process <c>reactor kv</c> (two loops, one shared keyspace) on a free port, and clients for it.</summary>
internal sealed class KvTestServer : IDisposable
{
    public KvTestServer(int maxCommandBytes = 16 << 20, Action<ReactorOptions>? configure = null)
    {
        Keyspace = new Keyspace();
        Server = new TestServer(KvHandler.Factory(Keyspace, maxCommandBytes), configure);
    }

    public Keyspace Keyspace { get; }
    public TestServer Server { get; }

    public Task<RespClient> ConnectAsync() => RespClient.ConnectAsync(Server.EndPoint);

    public void Dispose() => Server.Dispose();
}
