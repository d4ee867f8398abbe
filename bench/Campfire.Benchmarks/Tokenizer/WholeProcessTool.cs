using System.Text;
using Microsoft.ML.Tokenizers;

namespace Campfire.Benchmarks.Tokenizer;

/// <summary>
/// The two halves of the whole-process tokenizer comparison (<c>bench/tokenize-whole-process.sh</c>): writing a large
/// file of distinct mixed real text, and the peer as a user runs it (read the file, <c>EncodeToIds</c>, print the
/// count), so <c>campfire tokenize --count</c> and the peer are timed as processes on the same input.
/// </summary>
public static class WholeProcessTool
{
    /// <summary>Handles <c>--write-mixed-corpus MB FILE</c> and <c>--peer-tokenize FILE</c>; null for other arguments.</summary>
    public static int? TryRun(string[] args)
    {
        if (args.Length == 3 && args[0] == "--write-mixed-corpus" && int.TryParse(args[1], out int megabytes) && megabytes > 0)
        {
            long bytes = WriteMixedCorpus(megabytes, args[2]);
            Console.WriteLine($"{args[2]}: {bytes} bytes of mixed text");
            return 0;
        }
        if (args.Length == 2 && args[0] == "--peer-tokenize")
        {
            var peer = TiktokenTokenizer.CreateForEncoding("o200k_base");
            Console.WriteLine(peer.EncodeToIds(File.ReadAllText(args[1])).Count);
            return 0;
        }
        return null;
    }

    // Half-megabyte runs taken in turn from every corpus (cut at line ends), so no text repeats within the file and
    // each script's stretch is long enough to leave the caches of the one before it.
    private static long WriteMixedCorpus(int megabytes, string path)
    {
        long target = (long)megabytes << 20;
        int share = (int)Math.Min(int.MaxValue / 4, target / 5 + (2 << 20));
        var corpora = Enum.GetValues<RealCorpus>().Select(c => BuildUpTo(c, share)).ToArray();
        var positions = new int[corpora.Length];
        long written = 0;
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        bool progressed = true;
        while (written < target && progressed)
        {
            progressed = false;
            for (int i = 0; i < corpora.Length && written < target; i++)
            {
                string text = corpora[i];
                if (positions[i] >= text.Length) continue;
                int end = Math.Min(text.Length, positions[i] + (1 << 19));
                int lineEnd = text.IndexOf('\n', end);
                end = lineEnd < 0 ? text.Length : lineEnd + 1;
                var part = text.AsSpan(positions[i], end - positions[i]);
                writer.Write(part);
                written += Encoding.UTF8.GetByteCount(part);
                positions[i] = end;
                progressed = true;
            }
        }
        return written;
    }

    // A corpus this machine has less distinct text for (CJK/Thai) gives what it has; the others fill the file.
    private static string BuildUpTo(RealCorpus corpus, int bytes)
    {
        try
        {
            return RealTexts.Build(corpus, bytes);
        }
        catch (InvalidOperationException)
        {
            return RealTexts.Build(corpus);
        }
    }
}
