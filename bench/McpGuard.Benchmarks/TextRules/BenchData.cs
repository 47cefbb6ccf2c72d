using System.Text;

namespace McpGuard.Benchmarks.TextRules;

/// <summary>Inputs shared by the tool-description and secret benchmarks: the labelled corpus and synthetic text.</summary>
internal static class BenchData
{
    /// <summary>The dev tool-poisoning corpus: ../shared beside the repository, or /work/shared beside a worktrees folder.</summary>
    public static string CorpusFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "McpGuard.slnx")))
            {
                continue;
            }

            foreach (var shared in new[] { Path.Combine(dir.FullName, "..", "shared"), Path.Combine(dir.FullName, "..", "..", "shared") })
            {
                var file = Path.GetFullPath(Path.Combine(shared, "corpus", "tool-poisoning", "tool_descriptions.jsonl"));
                if (File.Exists(file))
                {
                    return file;
                }
            }
        }

        throw new FileNotFoundException("tool-poisoning corpus not found beside the repository (../shared/corpus/tool-poisoning).");
    }

    /// <summary>About <paramref name="bytes"/> of ordinary tool output: prose, JSON fragments, paths, numbers, no secrets.</summary>
    public static string Prose(int bytes)
    {
        string[] lines =
        [
            "The deployment finished in 42.7 seconds; 3 services were restarted and the health checks passed.",
            "{\"id\": 1234, \"title\": \"Fix flaky test in parser\", \"state\": \"open\", \"labels\": [\"bug\", \"ci\"]}",
            "src/components/Button.tsx:17:5 - warning: unused variable 'theme' (no-unused-vars)",
            "Weather for Lisbon: 21°C, light wind from the north-west, humidity 64%, sunset at 20:41.",
            "Search results: 1. Getting started with the API 2. Authentication overview 3. Rate limits and quotas",
            "See https://docs.example.com/guide?page=2 for the token limits, the key rotation schedule and password rules.",
        ];
        var sb = new StringBuilder(bytes + 200);
        for (var i = 0; sb.Length < bytes; i++)
        {
            sb.AppendLine(lines[i % lines.Length]);
        }

        return sb.ToString();
    }
}
