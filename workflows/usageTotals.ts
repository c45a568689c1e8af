import type { AgentUsage, FailedAttemptsUsage, ResearchUsage } from '../src/contracts/researchUsage';

/** Adds two failed-attempt figures (either may be absent: none). */
function addFailed(a: FailedAttemptsUsage | undefined, b: FailedAttemptsUsage | undefined): FailedAttemptsUsage | undefined {
  if (!a || !b) return a ?? b;
  return {
    calls: a.calls + b.calls,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    estimatedInputTokens: a.estimatedInputTokens + b.estimatedInputTokens,
  };
}

/** Adds the usage of several calls of one agent (the searchers of a run, an agent's failed attempts). */
export function sumAgentUsage(usages: readonly AgentUsage[]): AgentUsage | undefined {
  const first = usages[0];
  if (!first) return undefined;
  return usages.slice(1).reduce<AgentUsage>((sum, usage) => {
    const failedAttempts = addFailed(sum.failedAttempts, usage.failedAttempts);
    return {
      model: sum.model,
      calls: sum.calls + usage.calls,
      inputTokens: sum.inputTokens + usage.inputTokens,
      outputTokens: sum.outputTokens + usage.outputTokens,
      estimatedCostUsd: sum.estimatedCostUsd + usage.estimatedCostUsd,
      ...(failedAttempts ? { failedAttempts } : {}),
    };
  }, first);
}

/** The usage block of a result event: per agent, and in total (failed attempts included in both). */
export function researchUsage(parts: { planner?: AgentUsage; searcher?: AgentUsage; writer?: AgentUsage }): ResearchUsage {
  const agents = [parts.planner, parts.searcher, parts.writer].filter((usage): usage is AgentUsage => usage !== undefined);
  const failedAttempts = agents.reduce<FailedAttemptsUsage | undefined>((sum, usage) => addFailed(sum, usage.failedAttempts), undefined);
  return {
    ...(parts.planner ? { planner: parts.planner } : {}),
    ...(parts.searcher ? { searcher: parts.searcher } : {}),
    ...(parts.writer ? { writer: parts.writer } : {}),
    total: {
      inputTokens: agents.reduce((sum, usage) => sum + usage.inputTokens, 0),
      outputTokens: agents.reduce((sum, usage) => sum + usage.outputTokens, 0),
      // Rounded to a micro-dollar so that float noise does not show in events.
      estimatedCostUsd: Math.round(agents.reduce((sum, usage) => sum + usage.estimatedCostUsd, 0) * 1e6) / 1e6,
      ...(failedAttempts ? { failedAttempts } : {}),
    },
  };
}
