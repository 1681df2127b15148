using System;

namespace Reactor.Protocols.Http;

/// <summary>Reason phrases of the status codes the server sends (RFC 9110 §15).</summary>
internal static class HttpStatus
{
    public static ReadOnlySpan<byte> Reason(int status) => status switch
    {
        100 => "Continue"u8,
        200 => "OK"u8,
        201 => "Created"u8,
        204 => "No Content"u8,
        206 => "Partial Content"u8,
        301 => "Moved Permanently"u8,
        304 => "Not Modified"u8,
        400 => "Bad Request"u8,
        403 => "Forbidden"u8,
        404 => "Not Found"u8,
        405 => "Method Not Allowed"u8,
        408 => "Request Timeout"u8,
        411 => "Length Required"u8,
        413 => "Content Too Large"u8,
        414 => "URI Too Long"u8,
        416 => "Range Not Satisfiable"u8,
        417 => "Expectation Failed"u8,
        431 => "Request Header Fields Too Large"u8,
        500 => "Internal Server Error"u8,
        501 => "Not Implemented"u8,
        503 => "Service Unavailable"u8,
        505 => "HTTP Version Not Supported"u8,
        _ => "Unknown"u8,
    };

    /// <summary>1xx, 204 and 304 responses carry no body and no Content-Length (RFC 9110 §8.6).</summary>
    public static bool HasNoBody(int status) => status < 200 || status == 204 || status == 304;
}
