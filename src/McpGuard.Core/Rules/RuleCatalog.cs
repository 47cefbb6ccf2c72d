using System.Collections.Frozen;

namespace McpGuard.Core.Rules;

/// <summary>
/// Every rule McpGuard can report. Ids are grouped by area:
/// MCPG1xx scan (configs, launches, intel), MCPG2xx JavaScript analysis, MCPG3xx tool descriptions,
/// MCPG4xx version diff, MCPG5xx run-time proxy (policy, pins, audit), MCPG6xx egress and sandbox,
/// MCPG7xx investigation (mail logs, installed packages), MCPG8xx watch and update.
/// Each area declares its rules in its own file in this folder and adds them to <see cref="All"/>.
/// </summary>
public static class RuleCatalog
{
    public static IReadOnlyList<RuleDescriptor> All { get; } =
    [
        .. GeneralRules.All,
        .. ScanRules.All,
        .. InventoryRules.All,
        .. ToolDescriptionRules.All,
        .. EgressRules.All,
        .. MailAuditRules.All,
        .. ProxyRules.All,
        .. AnalysisRules.All,
        .. DiffRules.All,
        .. WatchRules.All,
    ];

    private static readonly FrozenDictionary<string, RuleDescriptor> s_byId =
        All.ToFrozenDictionary(r => r.Id, StringComparer.Ordinal);

    public static RuleDescriptor Get(string id) =>
        s_byId.TryGetValue(id, out var rule) ? rule : throw new KeyNotFoundException($"Unknown rule id '{id}'.");

    public static bool TryGet(string id, out RuleDescriptor? rule) => s_byId.TryGetValue(id, out rule);
}
