using System.CommandLine;
using Campfire.Remote;

namespace Campfire.Cli.Commands;

/// <summary>
/// The remote half of <c>campfire chat</c>: the <c>--endpoint</c>, <c>--api-key-env</c> and <c>--protocol</c>
/// options and the generator they describe. <c>ChatCommand</c> adds these options to itself and, when
/// <see cref="IsRemote"/> is true, runs its usual flow with <see cref="CreateGenerator"/> in place of the local
/// TorchSharp loop; <c>--model</c> then names the served model instead of a checkpoint folder.
/// </summary>
public sealed class RemoteChatSupport
{
    public Option<string[]> Endpoint { get; } = new("--endpoint")
    {
        Description = "vLLM (http://host:8000) or SGLang (sglang+http://host:30000) server to generate on; repeat for replicas. "
                      + RetryPolicyText,
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>What is retried and for how long, from the generator's defaults (shown in --help).</summary>
    public static string RetryPolicyText
    {
        get
        {
            var d = new RemoteGeneratorOptions { Endpoints = [] };
            return $"Before the first token, connection errors and 5xx/429/408 answers are retried up to {d.MaxRetryAttempts} times "
                   + $"(backoff from {d.RetryBaseDelay.TotalMilliseconds:0} ms, preferring another replica); the first token must come within "
                   + $"{d.FirstTokenTimeout.TotalSeconds:0} s of the request (a replica that stays silent that long is not asked again), "
                   + $"then at most {d.InterTokenTimeout.TotalSeconds:0} s may pass between tokens; connecting may take {d.ConnectTimeout.TotalSeconds:0} s. "
                   + "Nothing is retried once a token has arrived.";
        }
    }

    public Option<string?> ApiKeyEnv { get; } = new("--api-key-env")
    {
        Description = "environment variable holding the API key for the servers (sent as a Bearer token)",
    };

    public Option<RemoteProtocol> Protocol { get; } = new("--protocol")
    {
        Description = "protocol of endpoints given without a vllm+/sglang+ prefix",
        DefaultValueFactory = _ => RemoteProtocol.Vllm,
        CustomParser = result =>
        {
            string given = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (given.Equals("vllm", StringComparison.OrdinalIgnoreCase)) return RemoteProtocol.Vllm;
            if (given.Equals("sglang", StringComparison.OrdinalIgnoreCase)) return RemoteProtocol.SGLang;
            result.AddError($"--protocol must be vllm or sglang, got '{given}'");
            return RemoteProtocol.Vllm;
        },
    };

    /// <summary>
    /// Adds the remote options to the chat command. Pass the command's local checkpoint option (<c>--model DIR</c>,
    /// declared <c>Required</c> for the local loop) as <paramref name="localModel"/>: it stops being required on its
    /// own, and a validator demands it only when no <c>--endpoint</c> is given. The validator also rejects
    /// <c>--api-key-env</c> without <c>--endpoint</c>. Both surface as parse errors (exit 2).
    /// </summary>
    public void AddTo(Command command, Option? localModel = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Endpoint);
        command.Options.Add(ApiKeyEnv);
        command.Options.Add(Protocol);
        if (localModel is not null)
            localModel.Required = false;
        command.Validators.Add(result =>
        {
            var remote = result.GetResult(Endpoint) is not null && result.GetValue(Endpoint) is { Length: > 0 };
            if (!remote && localModel is not null && result.GetResult(localModel) is null)
                result.AddError($"{localModel.Name} DIR is required unless --endpoint URL is given");
            if (!remote && result.GetResult(ApiKeyEnv) is not null)
                result.AddError("--api-key-env only applies with --endpoint");
        });
    }

    /// <summary>
    /// Refuses (parse error, exit 2) each of <paramref name="localOnly"/> when given together with <c>--endpoint</c>:
    /// options of the local decode loop would otherwise be silently ignored.
    /// </summary>
    public void RefuseWithEndpoint(Command command, params Option[] localOnly)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(localOnly);
        command.Validators.Add(result =>
        {
            if (result.GetResult(Endpoint) is null || result.GetValue(Endpoint) is not { Length: > 0 })
                return;
            foreach (var option in localOnly)
            {
                if (result.GetResult(option) is { Implicit: false })
                    result.AddError($"{option.Name} applies to a local --model only, not to --endpoint servers (they run and time the model themselves)");
            }
        });
    }

    /// <summary>True when at least one <c>--endpoint</c> was given: generation runs on the server(s).</summary>
    public bool IsRemote(ParseResult parseResult) => parseResult.GetValue(Endpoint) is { Length: > 0 };

    /// <summary>
    /// The remote generator for this invocation. <paramref name="servedModelName"/> is the value of chat's
    /// <c>--model</c> in remote mode (null: the server's default model). Throws <see cref="RemoteConfigurationException"/>
    /// (a <c>HarmonyException</c>: Program reports it and exits 1) for a bad URL or an unset key variable.
    /// </summary>
    public RemoteTokenGenerator CreateGenerator(ParseResult parseResult, string? servedModelName)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var endpoints = parseResult.GetValue(Endpoint) ?? [];
        if (endpoints.Length == 0)
            throw new RemoteConfigurationException("--endpoint is required for remote generation");
        return RemoteGeneratorFactory.FromEndpoints(endpoints, servedModelName, parseResult.GetValue(ApiKeyEnv),
            parseResult.GetValue(Protocol));
    }

    /// <summary>Usage problems of the remote options on their own (e.g. --api-key-env without --endpoint); null when fine.</summary>
    public string? Validate(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        if (!IsRemote(parseResult) && parseResult.GetValue(ApiKeyEnv) is not null)
            return "--api-key-env only applies with --endpoint";
        return null;
    }
}
