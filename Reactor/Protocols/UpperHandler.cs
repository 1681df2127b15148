using System;

namespace Reactor.Protocols;

/// <summary>Echoes every byte with ASCII letters upper-cased; other bytes pass unchanged. Stateless.</summary>
public sealed class UpperHandler : IConnectionHandler
{
    public void OnOpen(Connection connection) { }

    public int OnData(Connection connection, Span<byte> data)
    {
        // The span is the loop's receive buffer, ours until we return: convert in place.
        // (System.Text.Ascii.ToUpperInPlace stops at the first non-ASCII byte, so it does not fit.)
        ToUpperAscii(data);
        connection.Send(data);
        return data.Length;
    }

    public void OnClose(Connection connection, CloseReason reason) { }

    /// <summary>Upper-cases a..z in place and leaves every other byte as it is.</summary>
    public static void ToUpperAscii(Span<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if ((uint)(data[i] - 'a') <= 'z' - 'a') data[i] -= 0x20;
        }
    }
}
