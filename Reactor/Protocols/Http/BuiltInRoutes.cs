using System;

namespace Reactor.Protocols.Http;

/// <summary>
/// The routes of <c>reactor http</c>: <c>/plaintext</c> and <c>/json</c> (the shapes HTTP
/// benchmarks use), <c>/echo</c> (a test route: the body back, or the request's own header lines),
/// and <c>/</c>, or static files under a root. Other paths are 404. One instance serves every connection.
/// </summary>
public sealed class BuiltInRoutes : IHttpHandler
{
    private static ReadOnlySpan<byte> PlainText => "text/plain"u8;

    private readonly StaticFiles? _files;

    /// <param name="root">
    /// When set, every path other than the built-in ones is a file under this directory, sent with
    /// sendfile(2), and <c>/</c> is its index.html; when null, <c>/</c> answers with a short text.
    /// </param>
    public BuiltInRoutes(string? root = null)
    {
        if (root is not null) _files = new StaticFiles(root);
    }

    /// <inheritdoc/>
    public void OnRequest(HttpConnection connection, HttpRequest request)
    {
        ReadOnlySpan<byte> path = request.Path;
        if (path.SequenceEqual("/echo"u8))
        {
            Echo(connection, request);
            return;
        }
        ReadOnlySpan<byte> contentType, body;
        if (_files is not null && !path.SequenceEqual("/plaintext"u8) && !path.SequenceEqual("/json"u8))
        {
            _files.Serve(connection, request);
            return;
        }
        if (path.SequenceEqual("/plaintext"u8))
        {
            contentType = PlainText;
            body = "Hello, World!"u8;
        }
        else if (path.SequenceEqual("/json"u8))
        {
            contentType = "application/json"u8;
            body = """{"message":"Hello, World!"}"""u8;
        }
        else if (path.SequenceEqual("/"u8))
        {
            contentType = PlainText;
            body = "reactor http: try /plaintext, /json or /echo\n"u8;
        }
        else
        {
            connection.Respond(404, PlainText, "Not Found\n"u8);
            return;
        }
        if (!request.IsGet && !request.IsHead)
        {
            MethodNotAllowed(connection);
            return;
        }
        connection.Respond(200, contentType, body);
    }

    /// <summary>405 with the <c>Allow</c> field a read-only resource names.</summary>
    internal static void MethodNotAllowed(HttpConnection connection)
    {
        connection.StartResponse(405);
        connection.AddHeader("Allow"u8, "GET, HEAD"u8);
        connection.AddHeader("Content-Type"u8, PlainText);
        connection.EndResponse("Method Not Allowed\n"u8);
    }

    /// <summary>A request with a body gets it back with its Content-Type; one without gets its own header lines as text.</summary>
    private static void Echo(HttpConnection connection, HttpRequest request)
    {
        if (!request.HasBody)
        {
            connection.Respond(200, PlainText, request.HeaderBlock);
            return;
        }
        ReadOnlySpan<byte> contentType = request.Header("Content-Type"u8);
        connection.Respond(200, contentType.IsEmpty ? "application/octet-stream"u8 : contentType, request.Body);
    }
}
