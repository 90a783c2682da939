import type { AgentEvent } from '../../agents/AgentEvent.js';
import { BudgetError } from '../../errors.js';
import { costOf, type PriceTable, priceFor, type TokenUsage } from './prices.js';

export interface BudgetLimits {
  /** Turns this run may take (what is left of the job's --max-turns). */
  maxTurns?: number;
  /** Dollars this run may spend (what is left of the job's --max-cost-usd). */
  maxCostUsd?: number;
}

export interface BudgetGuardOptions extends BudgetLimits {
  prices: PriceTable;
  /** Model to price usage events that do not name one (the job's --model, the agent's default). */
  model?: string;
  /** Told once per model the price table does not know (its tokens then cost nothing here). */
  onUnpriced?: (model: string) => void;
  /**
   * Tokens the agent's counters already held when this run started: codex counts a resumed thread's
   * usage from the thread's start, so what earlier runs used is subtracted.
   */
  baseline?: TokenUsage;
}

/**
 * Drover's own turn and cost accounting, the same for every agent, from the normalized events:
 * - a turn is one model round: it starts with the first text or tool call after a tool result (or at
 *   the start), so parallel tool calls of one reply count once;
 * - cost is the most the agent reported, else token usage × the price table (per-reply usage from the
 *   stream, or the live totals an agent records on disk while it runs).
 * check() answers a BudgetError once a limit is passed; the caller stops the process tree.
 */
export class BudgetGuard {
  private rounds = 0;
  private inRound = false;
  private reportedTurns: number | undefined;
  private streamCost = 0;
  private priced = false;
  private reportedCost: number | undefined;
  private liveCost: number | undefined;
  private readonly warned = new Set<string>();
  private tripped: BudgetError | undefined;
  /** The latest cumulative usage the agent's own counters reported (stream or session file). */
  lastUsage: TokenUsage | undefined;

  constructor(private readonly opts: BudgetGuardOptions) {}

  get turns(): number {
    return this.reportedTurns ?? this.rounds;
  }

  /** Dollars spent so far, when anything reported or priced it. */
  get costUsd(): number | undefined {
    const known = [this.reportedCost, this.liveCost, this.priced ? this.streamCost : undefined].filter(
      (v): v is number => v !== undefined,
    );
    return known.length > 0 ? Math.max(...known) : undefined;
  }

  observe(event: AgentEvent): BudgetError | undefined {
    switch (event.type) {
      case 'agent.text':
      case 'agent.tool_call':
        if (!this.inRound) {
          this.inRound = true;
          this.rounds++;
        }
        break;
      case 'agent.tool_result':
        this.inRound = false;
        break;
      case 'agent.usage': {
        this.lastUsage = pickUsage(event);
        const cost = this.price(this.sinceBaseline(event), event.model);
        if (cost !== undefined) {
          this.streamCost += cost;
          this.priced = true;
        }
        if (event.costUsd !== undefined) this.reportedCost = Math.max(this.reportedCost ?? 0, event.costUsd);
        break;
      }
      case 'agent.result':
        // Recorded, never enforced: the agent has finished (its own limit, if hit, says so itself).
        if (event.turns !== undefined) this.reportedTurns = event.turns;
        if (event.costUsd !== undefined) this.reportedCost = Math.max(this.reportedCost ?? 0, event.costUsd);
        return undefined;
      default:
        break;
    }
    return this.check();
  }

  /** Cumulative usage an agent recorded on disk (codex rollout, gemini chat file) while it runs. */
  observeTotals(usage: TokenUsage & { model?: string }): BudgetError | undefined {
    this.lastUsage = pickUsage(usage);
    const cost = this.price(this.sinceBaseline(usage), usage.model);
    if (cost !== undefined) this.liveCost = Math.max(this.liveCost ?? 0, cost);
    return this.check();
  }

  check(): BudgetError | undefined {
    if (this.tripped) return undefined; // reported once; the process is being stopped
    const { maxTurns, maxCostUsd } = this.opts;
    // Enforced on Drover's own count (agents count turns differently; theirs is only recorded).
    if (maxTurns !== undefined && this.rounds > maxTurns) {
      this.tripped = new BudgetError(
        `The agent reached its turn budget (${maxTurns} turn${maxTurns === 1 ? '' : 's'}, --max-turns) and was stopped.`,
      );
    }
    const cost = this.costUsd;
    if (!this.tripped && maxCostUsd !== undefined && cost !== undefined && cost > maxCostUsd) {
      this.tripped = new BudgetError(
        `The agent reached its cost budget ($${cost.toFixed(4)} spent, limit $${maxCostUsd}, --max-cost-usd) and was stopped.`,
      );
    }
    return this.tripped;
  }

  private sinceBaseline(usage: TokenUsage): TokenUsage {
    const b = this.opts.baseline;
    if (!b) return usage;
    return {
      inputTokens: Math.max(0, usage.inputTokens - b.inputTokens),
      outputTokens: Math.max(0, usage.outputTokens - b.outputTokens),
      cachedInputTokens: Math.max(0, (usage.cachedInputTokens ?? 0) - (b.cachedInputTokens ?? 0)),
    };
  }

  private price(usage: TokenUsage, model: string | undefined): number | undefined {
    const name = model ?? this.opts.model;
    const price = priceFor(this.opts.prices, name);
    if (!price) {
      const key = name ?? '(unknown model)';
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.opts.onUnpriced?.(key);
      }
      return undefined;
    }
    return costOf(price, usage);
  }
}

function pickUsage(u: TokenUsage): TokenUsage {
  return {
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cachedInputTokens: u.cachedInputTokens ?? 0,
  };
}
