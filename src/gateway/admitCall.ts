import type { ModelBudgets } from '../pipeline/ModelAccess.js';
import type { ModelPrice } from '../runner/guards/prices.js';

/** What a job has spent and holds reserved for calls still in flight. */
export interface BudgetState {
  costUsd: number;
  tokens: number;
  /** Billed calls admitted (in flight included). */
  calls: number;
  reservedCostUsd: number;
  reservedTokens: number;
}

export interface CallEstimate {
  /** A lower bound of the call's input tokens (0 when nothing is known). */
  inputTokens: number;
  /**
   * Of inputTokens, how many the provider has never seen (the last answer carried back): they cannot be
   * cache reads, so they cost at least the input rate. The rest may all be cache reads.
   */
  freshInputTokens?: number;
  /** undefined: the model has no price (the cost budget cannot judge it). */
  price: ModelPrice | undefined;
  /** The request's own output cap. */
  requestedOutput: number | undefined;
  /** The smallest output cap the API accepts for this request. */
  minOutput: number;
}

export type Admission =
  | {
      ok: true;
      /** Lower the request's output cap to this (what the budget can still pay), when set. */
      cap?: number;
      reserveCostUsd: number;
      reserveTokens: number;
    }
  | { ok: false; limit: 'cost' | 'turns' | 'tokens'; message: string };

/**
 * Decides, before a call goes out, whether the job's budgets can pay for it: refused when the turns
 * are used up, or when what is spent and reserved plus the least this call can cost (its input's
 * lower bound at the cheapest input rate, plus the smallest output the API accepts) passes a limit.
 * Otherwise its output is capped to what is left, so the call cannot overshoot through its output.
 */
export function admitCall(budgets: ModelBudgets, state: BudgetState, est: CallEstimate): Admission {
  const { maxTurns, maxTokens, maxCostUsd } = budgets;
  if (maxTurns !== undefined && state.calls >= maxTurns) {
    return {
      ok: false,
      limit: 'turns',
      message: `The job used its ${maxTurns} model call${maxTurns === 1 ? '' : 's'} (--max-turns); Drover refused the next one.`,
    };
  }
  let cap = Number.POSITIVE_INFINITY;
  if (maxTokens !== undefined) {
    const left = maxTokens - state.tokens - state.reservedTokens - est.inputTokens;
    if (left < est.minOutput) {
      return {
        ok: false,
        limit: 'tokens',
        message:
          `The job's token budget (${maxTokens} tokens, --max-tokens) cannot pay for the next model call: ` +
          `${state.tokens + state.reservedTokens} used${est.inputTokens ? `, and its input alone is at least ${est.inputTokens}` : ''}.`,
      };
    }
    cap = Math.min(cap, left);
  }
  const outRate = est.price ? est.price.output / 1e6 : 0;
  const fresh = Math.min(est.freshInputTokens ?? 0, est.inputTokens);
  const inputCost = est.price
    ? ((est.inputTokens - fresh) * cheapestInput(est.price) + fresh * freshInput(est.price)) / 1e6
    : 0;
  if (maxCostUsd !== undefined && est.price) {
    const left = maxCostUsd - state.costUsd - state.reservedCostUsd - inputCost;
    const affordable = outRate > 0 ? Math.floor(left / outRate + 1e-9) : left >= 0 ? cap : -1;
    if (left < 0 || affordable < est.minOutput) {
      const spent = state.costUsd + state.reservedCostUsd;
      return {
        ok: false,
        limit: 'cost',
        message:
          `The job's cost budget ($${maxCostUsd}, --max-cost-usd) cannot pay for the next model call: ` +
          `$${spent.toFixed(4)} spent, and the call costs at least $${(inputCost + est.minOutput * outRate).toFixed(4)}.`,
      };
    }
    cap = Math.min(cap, affordable);
  }
  const bounded = Number.isFinite(cap);
  const output = Math.min(est.requestedOutput ?? cap, cap);
  return {
    ok: true,
    ...(bounded && (est.requestedOutput === undefined || est.requestedOutput > cap) ? { cap } : {}),
    reserveCostUsd: Number.isFinite(output) ? inputCost + output * outRate : inputCost,
    reserveTokens: est.inputTokens + (Number.isFinite(output) ? output : 0),
  };
}

/** What the provider saw before may be read from the cache: the cheapest rate bounds its cost from below. */
function cheapestInput(price: ModelPrice): number {
  return Math.min(price.input, price.cachedInput ?? price.input);
}

/** New input is read fresh or written to the cache. */
function freshInput(price: ModelPrice): number {
  return Math.min(price.input, price.cacheWrite ?? price.input);
}
