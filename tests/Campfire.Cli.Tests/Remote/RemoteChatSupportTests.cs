using System.CommandLine;
using Campfire.Cli.Commands;
using Campfire.Remote;

namespace Campfire.Cli.Tests.Remote;

public sealed class RemoteChatSupportTests
{
    /// <summary>A chat command shaped like ChatCommand: --model, a prompt, plus the remote options.</summary>
    private static (Command Chat, Option<string?> Model, RemoteChatSupport Remote) ChatLike()
    {
        var chat = new Command("chat", "test stand-in for campfire chat");
        var model = new Option<string?>("--model");
        chat.Options.Add(model);
        chat.Arguments.Add(new Argument<string?>("prompt") { Arity = ArgumentArity.ZeroOrOne });
        var remote = new RemoteChatSupport();
        remote.AddTo(chat);
        return (chat, model, remote);
    }

    [Fact]
    public void Repeated_endpoints_become_replicas_of_one_generator()
    {
        var (chat, model, remote) = ChatLike();
        var parsed = chat.Parse(["--endpoint", "http://gpu-a:8000", "--endpoint", "sglang+http://gpu-b:30000", "--model", "openai/gpt-oss-120b", "Someone is choking"]);

        Assert.Empty(parsed.Errors);
        Assert.True(remote.IsRemote(parsed));
        Assert.Null(remote.Validate(parsed));
        using var generator = remote.CreateGenerator(parsed, parsed.GetValue(model));
        Assert.Equal(2, generator.Endpoints.Count);
        Assert.Equal(RemoteProtocol.Vllm, generator.Endpoints[0].Protocol);
        Assert.Equal(new Uri("http://gpu-a:8000/v1/completions"), generator.Endpoints[0].GenerationUrl);
        Assert.Equal(RemoteProtocol.SGLang, generator.Endpoints[1].Protocol);
    }

    [Fact]
    public void Protocol_option_applies_to_endpoints_without_prefix()
    {
        var (chat, _, remote) = ChatLike();
        var parsed = chat.Parse(["--endpoint", "http://gpu-b:30000", "--protocol", "SGLang", "hello"]);

        using var generator = remote.CreateGenerator(parsed, null);
        Assert.Equal(new Uri("http://gpu-b:30000/generate"), Assert.Single(generator.Endpoints).GenerationUrl);
    }

    [Fact]
    public void Without_endpoint_the_chat_stays_local()
    {
        var (chat, _, remote) = ChatLike();
        var parsed = chat.Parse(["--model", "/models/gpt-oss-20b", "hello"]);

        Assert.False(remote.IsRemote(parsed));
        Assert.Throws<RemoteConfigurationException>(() => remote.CreateGenerator(parsed, null));
    }

    [Fact]
    public void Api_key_variable_without_endpoint_is_a_usage_error()
    {
        var (chat, _, remote) = ChatLike();
        var parsed = chat.Parse(["--api-key-env", "VLLM_KEY", "hello"]);

        Assert.Equal("--api-key-env only applies with --endpoint", remote.Validate(parsed));
    }

    [Fact]
    public void Local_model_option_is_required_only_without_endpoint()
    {
        var chat = new Command("chat");
        var model = new Option<string>("--model") { Required = true };
        chat.Options.Add(model);
        chat.Arguments.Add(new Argument<string>("PROMPT"));
        var remote = new RemoteChatSupport();
        remote.AddTo(chat, model);

        Assert.Empty(chat.Parse(["--endpoint", "http://gpu-a:8000", "hello"]).Errors);
        Assert.Empty(chat.Parse(["--model", "/models/gpt-oss-20b", "hello"]).Errors);
        var missing = Assert.Single(chat.Parse(["hello"]).Errors);
        Assert.Equal("--model DIR is required unless --endpoint URL is given", missing.Message);
        var keyWithoutEndpoint = chat.Parse(["--model", "/m", "--api-key-env", "K", "hello"]).Errors;
        Assert.Contains(keyWithoutEndpoint, e => e.Message == "--api-key-env only applies with --endpoint");
    }

    [Fact]
    public void Unset_api_key_variable_and_bad_url_are_clear_errors()
    {
        var (chat, _, remote) = ChatLike();
        var unset = chat.Parse(["--endpoint", "http://gpu-a:8000", "--api-key-env", "CAMPFIRE_CLI_TEST_UNSET_KEY", "hello"]);
        Assert.Contains("CAMPFIRE_CLI_TEST_UNSET_KEY", Assert.Throws<RemoteConfigurationException>(() => remote.CreateGenerator(unset, null)).Message);

        var bad = chat.Parse(["--endpoint", "gpu-a 8000", "hello"]);
        Assert.Contains("gpu-a 8000", Assert.Throws<RemoteConfigurationException>(() => remote.CreateGenerator(bad, null)).Message);
    }
}
