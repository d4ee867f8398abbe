namespace Campfire.Architecture.Tests;

/// <summary>The repository's source files, found from the test's output folder.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    /// <summary>The folder holding Campfire.Core.sln.</summary>
    public static string Root => RootFolder.Value;

    /// <summary>Each project folder under src/ with its name (the folder name is the project name).</summary>
    public static IEnumerable<(string Name, string Folder)> SourceProjects() =>
        Directory.EnumerateDirectories(Path.Combine(Root, "src"))
            .Where(folder => Directory.EnumerateFiles(folder, "*.csproj").Any())
            .Select(folder => (Path.GetFileName(folder), folder))
            .OrderBy(p => p.Item1, StringComparer.Ordinal);

    /// <summary>The .cs files of a project folder, bin/ and obj/ skipped, sorted.</summary>
    public static IEnumerable<string> SourceFiles(string projectFolder) =>
        Directory.EnumerateFiles(projectFolder, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(Path.GetRelativePath(projectFolder, path)))
            .OrderBy(path => path, StringComparer.Ordinal);

    /// <summary>A path relative to the repository root with '/' separators, for messages.</summary>
    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static bool IsBuildOutput(string relativePath)
    {
        var parts = relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return parts.Any(p => p is "bin" or "obj");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Campfire.Core.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Campfire.Core.sln.");
    }
}
