using System.CommandLine;
using System.Text.Json;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;
using Spectre.Console;

namespace McpGuard.Cli.Commands;

/// <summary><c>mcpguard rules</c>: lists every rule id with its severity and title (docs/rules.md has the detail).</summary>
internal static class RulesCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the catalogue as JSON." };
        var command = new Command("rules", "List every rule McpGuard can report, with its id and default severity.");
        command.Add(json);
        command.SetAction(parse =>
        {
            if (parse.GetValue(json))
            {
                using var stream = new MemoryStream();
                using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                {
                    w.WriteStartArray();
                    foreach (var r in RuleCatalog.All)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", r.Id);
                        w.WriteString("name", r.Name);
                        w.WriteString("title", r.Title);
                        w.WriteString("severity", r.DefaultSeverity.ToName());
                        w.WriteString("description", r.Description);
                        w.WriteString("remediation", r.Remediation);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                context.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
                return 0;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumn("Id");
            table.AddColumn("Severity");
            table.AddColumn("Title");
            foreach (var r in RuleCatalog.All)
            {
                table.AddRow(Markup.Escape(r.Id), r.DefaultSeverity.ToName(), Markup.Escape(r.Title));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }
}
