using System;

namespace Reactor.Protocols;

/// <summary>Sends every byte back as it arrives. Stateless: one instance serves all loops.</summary>
public sealed class EchoHandler : IConnectionHandler
{
    public void OnOpen(Connection connection) { }

    public int OnData(Connection connection, Span<byte> data)
    {
        connection.Send(data);
        return data.Length;
    }

    public void OnClose(Connection connection, CloseReason reason) { }
}
