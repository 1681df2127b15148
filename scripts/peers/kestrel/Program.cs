// Kestrel minimal API answering GET /plaintext with "Hello, World!" (text/plain), no logging.
//   dotnet KestrelPlaintext.dll PORT
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{args[0]}");
var app = builder.Build();
app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
Console.WriteLine($"kestrel: listening on 127.0.0.1:{args[0]}");
app.Run();
