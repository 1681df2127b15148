using System;
using System.Text;

namespace Reactor.Protocols.Kv;

internal static partial class KvCommands
{
    /// <summary>PING [message]</summary>
    private static void Ping(in Request request)
    {
        if (request.Count > 2) WrongArity(request.Connection, "ping");
        else if (request.Count == 2) RespReply.Bulk(request.Connection, request[1]);
        else RespReply.Raw(request.Connection, RespReply.Pong);
    }

    /// <summary>ECHO message</summary>
    private static void Echo(in Request request) => RespReply.Bulk(request.Connection, request[1]);

    /// <summary>QUIT: +OK, then the connection closes once the replies queued before it are out.</summary>
    private static void Quit(in Request request)
    {
        RespReply.Raw(request.Connection, RespReply.Ok);
        request.Connection.Close();
    }

    /// <summary>DBSIZE: keys stored, counting expired ones not reclaimed yet, as redis does.</summary>
    private static void DbSize(in Request request) => RespReply.Integer(request.Connection, request.Keyspace.Count);

    /// <summary>FLUSHALL [ASYNC | SYNC]: both are synchronous here.</summary>
    private static void FlushAll(in Request request)
    {
        if (request.Count > 2 || (request.Count == 2 && !Is(request[1], "ASYNC"u8) && !Is(request[1], "SYNC"u8)))
        {
            RespReply.Raw(request.Connection, RespReply.SyntaxError);
            return;
        }
        request.Keyspace.Clear();
        RespReply.Raw(request.Connection, RespReply.Ok);
    }

    /// <summary>
    /// CONFIG GET parameter [parameter ...]: the parameters a client may ask about before it
    /// starts (redis-benchmark asks for save and appendonly and waits for the answer). Nothing is
    /// persisted, so save is empty and appendonly is no. Other parameters are not listed, as redis
    /// lists none for a name it does not know; patterns are not matched.
    /// </summary>
    private static void Config(in Request request)
    {
        if (!Is(request[1], "GET"u8))
        {
            UnknownSubcommand(request, "CONFIG");
            return;
        }
        if (request.Count < 3)
        {
            WrongArity(request.Connection, "config|get");
            return;
        }
        // Each parameter once, by its own name, however often and in whatever case it was asked for.
        Span<bool> asked = stackalloc bool[ConfigParameters.Length];
        int matches = 0;
        for (int p = 0; p < ConfigParameters.Length; p++)
        {
            for (int i = 2; i < request.Count && !asked[p]; i++) asked[p] = Ascii.EqualsIgnoreCase(request[i], ConfigParameters[p].Name);
            if (asked[p]) matches++;
        }
        RespReply.ArrayHeader(request.Connection, 2 * matches);
        for (int p = 0; p < ConfigParameters.Length; p++)
        {
            if (!asked[p]) continue;
            RespReply.Bulk(request.Connection, ConfigParameters[p].Name);
            RespReply.Bulk(request.Connection, ConfigParameters[p].Value);
        }
    }

    private static readonly (byte[] Name, byte[] Value)[] ConfigParameters =
    [
        ("save"u8.ToArray(), []),
        ("appendonly"u8.ToArray(), "no"u8.ToArray()),
    ];

    /// <summary>
    /// COMMAND [DOCS | COUNT]: redis-cli asks for COMMAND DOCS at start-up to build its help;
    /// this server ships no documentation, so COMMAND and COMMAND DOCS answer an empty list and
    /// redis-cli goes on without hints. COMMAND COUNT counts the commands served.
    /// </summary>
    private static void CommandCommand(in Request request)
    {
        if (request.Count == 1 || Is(request[1], "DOCS"u8))
        {
            RespReply.Raw(request.Connection, RespReply.EmptyArray);
        }
        else if (Is(request[1], "COUNT"u8))
        {
            if (request.Count != 2) WrongArity(request.Connection, "command|count");
            else RespReply.Integer(request.Connection, Table.Count);
        }
        else
        {
            UnknownSubcommand(request, "COMMAND");
        }
    }

    /// <summary>"-ERR unknown subcommand 'foo'. Try CONFIG HELP."</summary>
    private static void UnknownSubcommand(in Request request, string command)
    {
        var error = new ErrorReply(request.Connection);
        error.Append("unknown subcommand '");
        error.Append(Cut(request[1], 128));
        error.Append("'. Try ");
        error.Append(command);
        error.Append(" HELP.");
        error.Send();
    }
}
