import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../agents/AgentEvent.js';
import { BudgetError } from '../../errors.js';
import { BudgetGuard } from './BudgetGuard.js';
import { DEFAULT_PRICES } from './prices.js';

const call = (name = 'shell'): AgentEvent => ({ type: 'agent.tool_call', name, input: '' });
const result: AgentEvent = { type: 'agent.tool_result', ok: true, summary: '' };
const text: AgentEvent = { type: 'agent.text', text: 'hi' };

describe('BudgetGuard', () => {
  it('counts one turn per model round: parallel calls once, a final answer as a round', () => {
    const guard = new BudgetGuard({ prices: DEFAULT_PRICES });
    for (const e of [text, call(), call(), result, result, call(), result, text]) guard.observe(e);
    expect(guard.turns).toBe(3);
  });

  it('trips once the agent starts a round past --max-turns, and only once', () => {
    const guard = new BudgetGuard({ prices: DEFAULT_PRICES, maxTurns: 2 });
    expect(guard.observe(call())).toBeUndefined();
    expect(guard.observe(result)).toBeUndefined();
    expect(guard.observe(call())).toBeUndefined();
    expect(guard.observe(result)).toBeUndefined();
    const err = guard.observe(text);
    expect(err).toBeInstanceOf(BudgetError);
    expect(err?.kind).toBe('budget');
    expect(err?.message).toContain('turn budget (2 turns');
    expect(guard.observe(call())).toBeUndefined();
  });

  it('prices usage by the event’s model, else the job’s, and trips past --max-cost-usd', () => {
    const guard = new BudgetGuard({ prices: DEFAULT_PRICES, maxCostUsd: 0.05, model: 'claude-sonnet-4-5' });
    // 10k uncached in at $3/M + 1k out at $15/M = $0.045
    expect(guard.observe({ type: 'agent.usage', inputTokens: 10_000, outputTokens: 1000 })).toBeUndefined();
    expect(guard.costUsd).toBeCloseTo(0.045, 9);
    const err = guard.observe({ type: 'agent.usage', inputTokens: 10_000, outputTokens: 1000 });
    expect(err?.message).toMatch(/cost budget \(\$0\.0900 spent, limit \$0\.05/);
  });

  it('uses live totals from session files, and the most any source reports', () => {
    const guard = new BudgetGuard({ prices: { m: { input: 1, output: 10 } }, maxCostUsd: 1, model: 'm' });
    expect(guard.observeTotals({ inputTokens: 500_000, outputTokens: 10_000 })).toBeUndefined();
    expect(guard.costUsd).toBeCloseTo(0.6, 9);
    expect(guard.observeTotals({ inputTokens: 900_000, outputTokens: 20_000 })).toBeInstanceOf(BudgetError);
  });

  it('records but never enforces what the final result reports (the agent has finished)', () => {
    const guard = new BudgetGuard({ prices: DEFAULT_PRICES, maxTurns: 1, maxCostUsd: 0.01 });
    guard.observe(call());
    expect(guard.observe({ type: 'agent.result', ok: true, turns: 7, costUsd: 0.5 })).toBeUndefined();
    expect(guard.turns).toBe(7);
    expect(guard.costUsd).toBe(0.5);
  });

  it('tells once about a model it has no price for, and cannot count its cost', () => {
    const unpriced: string[] = [];
    const guard = new BudgetGuard({
      prices: DEFAULT_PRICES,
      maxCostUsd: 1,
      onUnpriced: (m) => unpriced.push(m),
    });
    guard.observe({ type: 'agent.usage', inputTokens: 1e9, outputTokens: 0, model: 'mystery-1' });
    guard.observe({ type: 'agent.usage', inputTokens: 1e9, outputTokens: 0, model: 'mystery-1' });
    expect(unpriced).toEqual(['mystery-1']);
    expect(guard.costUsd).toBeUndefined();
  });

  it('subtracts a baseline (a resumed codex thread counts from its start)', () => {
    const baseline = { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0 };
    const guard = new BudgetGuard({ prices: { m: { input: 1, output: 10 } }, model: 'm', baseline });
    guard.observe({ type: 'agent.usage', inputTokens: 1_500_000, outputTokens: 100_000 });
    expect(guard.costUsd).toBeCloseTo(0.5 + 1, 9);
    expect(guard.lastUsage).toEqual({ inputTokens: 1_500_000, outputTokens: 100_000, cachedInputTokens: 0 });
  });
});
