using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Campfire.Benchmarks.Tokenizer;

/// <summary>
/// Builds at bench time, from files on this machine, at least <see cref="MinBytes"/> of distinct real text per
/// <see cref="RealCorpus"/>: files are taken in sorted path order, at most 256 KB of each, each file (and each
/// catalogue string) at most once, so no text repeats. Nothing is committed; a machine without enough material fails
/// the setup with a message naming the corpus. Results are cached per process.
/// </summary>
public static class RealTexts
{
    /// <summary>Size of each corpus in UTF-8 bytes (8 MiB).</summary>
    public const int MinBytes = 8 << 20;

    const int MaxBytesPerFile = 256 * 1024;
    static readonly Dictionary<RealCorpus, string> Cache = [];
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    static readonly string[] CjkThaiLanguages = ["zh_CN", "zh_TW", "zh_HK", "zh_Hans", "zh_Hant", "ja", "ko", "th"];

    /// <summary>The text of <paramref name="corpus"/>, at least <paramref name="minBytes"/> UTF-8 bytes.</summary>
    public static string Build(RealCorpus corpus, int minBytes = MinBytes)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(corpus, out var cached) && Encoding.UTF8.GetByteCount(cached) >= minBytes)
                return cached;
            var text = Assemble(Sources(corpus), minBytes)
                ?? throw new InvalidOperationException($"not enough distinct {corpus} text on this machine for {minBytes} bytes");
            Cache[corpus] = text;
            return text;
        }
    }

    static string? Assemble(IEnumerable<string> parts, int minBytes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var text = new StringBuilder(minBytes + MaxBytesPerFile);
        long bytes = 0;
        foreach (var part in parts)
        {
            if (part.Length == 0 || !seen.Add(part))
                continue;
            text.Append(part).Append('\n');
            bytes += Encoding.UTF8.GetByteCount(part) + 1;
            if (bytes >= minBytes)
                return text.ToString();
        }
        return null;
    }

    static IEnumerable<string> Sources(RealCorpus corpus) => corpus switch
    {
        RealCorpus.English => Files("/usr/share/man", "*.gz", p => IsEnglishManSection(p))
            .Concat(Files("/usr/share/common-licenses", "*"))
            .Concat(Files("/usr/share/doc", "*", p => !p.EndsWith(".html", StringComparison.Ordinal))),
        RealCorpus.Multilingual => Files("/usr/share/man", "*.gz", p => !IsEnglishManSection(p))
            .Concat(Interleave(Directory.Exists("/usr/share/locale")
                ? Directory.GetDirectories("/usr/share/locale").Order(StringComparer.Ordinal).Select(d => CatalogueStrings(d)).ToList()
                : [])),
        RealCorpus.CjkThai => Interleave(CjkThaiLanguages.Select(l => CatalogueStrings("/usr/share/locale/" + l)
                .Concat(Files("/usr/share/man/" + l, "*.gz"))).ToList())
            .Concat(CatalogueStrings("/usr/share/vim", p => CjkThaiLanguages.Any(l => p.Contains("/lang/" + l[..2], StringComparison.Ordinal)))),
        RealCorpus.Code => Files("/usr/include", "*.h").Concat(Files("/usr/lib", "*.py")),
        RealCorpus.Json => Files("/usr", "*.json").Concat(Files("/opt", "*.json"))
            .Concat(Files(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget"), "*.json")),
        _ => throw new ArgumentOutOfRangeException(nameof(corpus)),
    };

    static bool IsEnglishManSection(string path) => Path.GetFileName(Path.GetDirectoryName(path))!.StartsWith("man", StringComparison.Ordinal)
        && Path.GetDirectoryName(Path.GetDirectoryName(path)) == "/usr/share/man";

    /// <summary>Round-robin over several sources, so each language contributes from the start.</summary>
    static IEnumerable<string> Interleave(IReadOnlyList<IEnumerable<string>> sources)
    {
        var enumerators = sources.Select(s => s.GetEnumerator()).ToList();
        while (enumerators.Count > 0)
        {
            for (int i = 0; i < enumerators.Count; i++)
            {
                if (enumerators[i].MoveNext())
                {
                    yield return enumerators[i].Current;
                    continue;
                }
                enumerators.RemoveAt(i--);
            }
        }
    }

    static IEnumerable<string> Files(string root, string pattern, Func<string, bool>? keep = null)
    {
        if (!Directory.Exists(root))
            yield break;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var path in Directory.EnumerateFiles(root, pattern, options).Order(StringComparer.Ordinal))
        {
            if (keep is not null && !keep(path))
                continue;
            if (ReadText(path) is { } text)
                yield return text;
        }
    }

    static string? ReadText(string path)
    {
        try
        {
            byte[] bytes;
            if (path.EndsWith(".gz", StringComparison.Ordinal))
            {
                using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
                using var buffer = new MemoryStream();
                gzip.CopyTo(buffer);
                bytes = buffer.ToArray();
            }
            else
            {
                if (new FileInfo(path).Length > 16 * MaxBytesPerFile)
                    return null;
                bytes = File.ReadAllBytes(path);
            }
            if (bytes.AsSpan().IndexOf((byte)0) >= 0)
                return null;   // binary
            string text = StrictUtf8.GetString(bytes);
            return text.Length > MaxBytesPerFile ? text[..MaxBytesPerFile] : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The translated strings of every GNU message catalogue (.mo) under a locale folder.</summary>
    static IEnumerable<string> CatalogueStrings(string localeFolder, Func<string, bool>? keep = null)
    {
        if (!Directory.Exists(localeFolder))
            yield break;
        foreach (var path in Directory.EnumerateFiles(localeFolder, "*.mo", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (keep is not null && !keep(path))
                continue;
            byte[] mo;
            try
            {
                mo = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var s in Translations(mo))
                yield return s;
        }
    }

    static List<string> Translations(byte[] mo)
    {
        var found = new List<string>();
        if (mo.Length < 28)
            return found;
        bool little = BinaryPrimitives.ReadUInt32LittleEndian(mo) == 0x950412de;
        uint Read(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(mo.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(mo.AsSpan(at));
        uint count = Read(8), table = Read(16);
        for (uint i = 1; i < count; i++)   // entry 0 is the catalogue header
        {
            long at = table + 8L * i;
            if (at + 8 > mo.Length)
                break;
            uint length = Read((int)at), offset = Read((int)at + 4);
            if (offset + (long)length > mo.Length)
                break;
            try
            {
                found.Add(StrictUtf8.GetString(mo, (int)offset, (int)length).Replace('\0', '\n'));
            }
            catch (DecoderFallbackException)
            {
                // a catalogue in another encoding: skip the string
            }
        }
        return found;
    }
}
