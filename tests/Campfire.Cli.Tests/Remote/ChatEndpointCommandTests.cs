using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Campfire.Guidance;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Tests.Remote;

/// <summary>
/// <c>campfire chat --endpoint URL</c> as a user runs it: the real executable against a fake vLLM server on loopback
/// that streams a Harmony final answer as token ids in vLLM's server-sent-event shape.
/// </summary>
public sealed class ChatEndpointCommandTests
{
    private const string Answer = "Call your local emergency number now and give back blows.";

    [Fact]
    public async Task Chat_with_an_endpoint_streams_the_servers_final_answer_and_the_safety_note()
    {
        int[] completion = O200kHarmonyTokenizer.Instance.EncodeToIds(
            $"<|channel|>final<|message|>{Answer}<|return|>", allowSpecialTokens: true);
        await using var server = new OneShotVllmServer(completion);

        var (code, output, error) = Inference.Campfire.Run("", "chat", "--endpoint", server.BaseUrl, "--model", "openai/gpt-oss-20b",
            "--max-tokens", "64", "Someone is choking, what should I do?");

        Assert.True(code == 0, error);
        Assert.Contains(Answer, output);
        Assert.Contains(EmergencyGuidance.SafetyNote.Trim(), output);
        var request = await server.Request;
        Assert.Equal("openai/gpt-oss-20b", request.GetProperty("model").GetString());
        Assert.True(request.GetProperty("stream").GetBoolean());
        int[] prompt = request.GetProperty("prompt").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(HarmonyTokens.Start, prompt[0]);   // the prompt goes out as our rendered ids, not as text
        Assert.Contains("Someone is choking", O200kHarmonyTokenizer.Instance.Decode(prompt));
    }

    [Fact]
    public async Task Chat_reports_a_citation_the_model_made_up_as_the_demo_does()
    {
        int[] completion = O200kHarmonyTokenizer.Instance.EncodeToIds(
            "<|channel|>final<|message|>Give back blows 【3†L1-L4】.<|return|>", allowSpecialTokens: true);
        await using var server = new OneShotVllmServer(completion);

        var (code, output, error) = Inference.Campfire.Run("", "chat", "--endpoint", server.BaseUrl, "--max-tokens", "64", "Someone is choking?");

        Assert.True(code == 0, error);
        Assert.Contains("══ Citations", output);
        Assert.Contains("✗ 【3†L1-L4】", output);
    }

    [Fact]
    public void Chat_with_an_unreachable_endpoint_fails_with_one_line_naming_it()
    {
        // Bound but never listening (held until the command has run): connecting is refused, and no other test's
        // server can be handed the port meanwhile, as could happen to a port freed again right away.
        using var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)refusing.LocalEndPoint!).Port;
        var (code, _, error) = Inference.Campfire.Run("", "chat", "--endpoint", $"http://127.0.0.1:{port}", "--max-tokens", "8", "hello");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"127.0.0.1:{port}", error);
        Assert.DoesNotContain("   at ", error);   // no stack trace
    }

    /// <summary>Answers one /v1/completions request with the completion's ids, one per event, then [DONE].</summary>
    private sealed class OneShotVllmServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task<JsonElement> _serving;

        public OneShotVllmServer(int[] completion)
        {
            _listener.Start();
            BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            _serving = ServeAsync(completion);
        }

        public string BaseUrl { get; }

        public Task<JsonElement> Request => _serving;

        private async Task<JsonElement> ServeAsync(int[] completion)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            using var client = await _listener.AcceptTcpClientAsync(timeout.Token);
            using var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(buffer, timeout.Token) == 0) throw new IOException("client closed before the request ended");
                head.Append((char)buffer[0]);
            }
            int length = int.Parse(head.ToString().Split("\r\n")
                .First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim());
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, timeout.Token);

            var events = new StringBuilder();
            for (int i = 0; i < completion.Length; i++)
            {
                bool last = i == completion.Length - 1;
                var chunk = new
                {
                    id = "cmpl-1", @object = "text_completion", created = 1764000000, model = "openai/gpt-oss-20b",
                    choices = new[] { new { index = 0, text = "", token_ids = new[] { completion[i] }, finish_reason = last ? "stop" : null, stop_reason = last ? (int?)completion[i] : null } },
                };
                events.Append("data: ").Append(JsonSerializer.Serialize(chunk)).Append("\n\n");
            }
            events.Append("data: [DONE]\n\n");
            byte[] payload = Encoding.UTF8.GetBytes(events.ToString());
            string headers = $"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(headers), timeout.Token);
            await stream.WriteAsync(payload, timeout.Token);
            await stream.FlushAsync(timeout.Token);
            return JsonDocument.Parse(body).RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try { await _serving; } catch (Exception e) when (e is OperationCanceledException or SocketException or IOException) { }
        }
    }
}
