using System.Text.RegularExpressions;

namespace Campfire.Architecture.Tests;

/// <summary>
/// Rule 5: folder = namespace. Each file under src/&lt;Project&gt;/ declares the namespace made of the project folder name
/// and its subfolders joined by '.' (src/Campfire.Harmony/Parsing/X.cs: Campfire.Harmony.Parsing). Campfire.Cli is
/// included. A file that declares no type (top-level statements, assembly or module attributes) needs no namespace.
/// </summary>
public sealed partial class Rule5FolderNamespaceTests
{
    private const string Rule = "Rule 5 (folder = namespace)";

    /// <summary>Folders that may deviate, with the reason; none so far.</summary>
    private static readonly Dictionary<string, string> ExemptFolders = new(StringComparer.Ordinal)
    {
    };

    [Fact]
    public void Rule5_EverySourceFile_DeclaresTheNamespaceOfItsFolder()
    {
        var offenders = new List<string>();
        var exempted = new List<string>();
        foreach (var (project, folder) in RepositoryFiles.SourceProjects())
        {
            foreach (var file in RepositoryFiles.SourceFiles(folder))
            {
                var relativeFolder = Path.GetRelativePath(folder, Path.GetDirectoryName(file)!);
                var expected = relativeFolder == "."
                    ? project
                    : project + "." + string.Join('.', relativeFolder.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
                var text = File.ReadAllText(file);
                var declared = NamespaceDeclaration().Matches(text).Select(m => m.Groups["name"].Value).ToList();
                var relative = RepositoryFiles.Relative(file);

                string? problem = null;
                if (declared.Count == 0)
                {
                    if (TypeDeclaration().IsMatch(text))
                        problem = $"declares types but no namespace (expected namespace {expected};)";
                }
                else if (declared.Any(d => d != expected))
                {
                    problem = $"namespace {string.Join(", ", declared.Distinct())}; expected {expected}";
                }
                if (problem is null)
                    continue;

                var folderKey = RepositoryFiles.Relative(Path.GetDirectoryName(file)!);
                if (ExemptFolders.TryGetValue(folderKey, out var reason))
                    exempted.Add($"\t{relative}: {problem} (exempt: {reason})");
                else
                    offenders.Add($"\t{relative}: {problem}");
            }
        }
        Assert.True(offenders.Count == 0,
            $"{Rule} broken by {offenders.Count} file(s):\n{string.Join('\n', offenders)}"
            + (exempted.Count > 0 ? $"\nexempt:\n{string.Join('\n', exempted)}" : ""));
    }

    [GeneratedRegex(@"^\s*namespace\s+(?<name>[\w.]+)\s*[;{]?", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^\s*(?:\[[^\]]*\]\s*)*(?:(?:public|internal|private|protected|file|sealed|static|abstract|readonly|partial|unsafe|ref|new)\s+)*(?:class|struct|interface|enum|record|delegate)\s+\w", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();
}
