import { describe, expect, it } from 'vitest';
import { admitCall, type BudgetState } from './admitCall.js';

const idle: BudgetState = { costUsd: 0, tokens: 0, calls: 0, reservedCostUsd: 0, reservedTokens: 0 };
const price = { input: 3, output: 15, cachedInput: 0.3 };

describe('admitCall', () => {
  it('bounds the input at the cheapest rate (any of it may be a cache read) and caps the output to the rest', () => {
    // 100k input tokens at least $0.03 (all cache reads); $0.50 − $0.03 pays 31333 output tokens at $15/M.
    const a = admitCall({ maxCostUsd: 0.5 }, idle, {
      inputTokens: 100_000,
      price,
      requestedOutput: 64_000,
      minOutput: 1,
    });
    expect(a).toMatchObject({ ok: true, cap: 31_333 });
    // What is reserved while the call runs: its input bound plus the capped output.
    expect(a.ok && a.reserveCostUsd).toBeCloseTo(0.03 + 31_333 * 15e-6, 9);
  });

  it('keeps the request’s own cap when it is lower, and counts calls in flight', () => {
    const busy = { ...idle, reservedCostUsd: 0.45 };
    expect(
      admitCall({ maxCostUsd: 0.5 }, busy, { inputTokens: 0, price, requestedOutput: 100, minOutput: 1 }),
    ).toMatchObject({
      ok: true,
      reserveCostUsd: 0.0015,
    });
    expect(
      admitCall({ maxCostUsd: 0.5 }, busy, { inputTokens: 0, price, requestedOutput: 100, minOutput: 1 }),
    ).not.toHaveProperty('cap');
    expect(
      admitCall(
        { maxCostUsd: 0.5 },
        { ...busy, reservedCostUsd: 0.5 },
        { inputTokens: 0, price, requestedOutput: 100, minOutput: 1 },
      ),
    ).toMatchObject({
      ok: false,
      limit: 'cost',
    });
  });

  it('refuses when what the API needs at least (e.g. 1025 tokens with thinking) no longer fits', () => {
    const state = { ...idle, costUsd: 0.49 };
    // $0.01 pays 666 output tokens.
    expect(
      admitCall({ maxCostUsd: 0.5 }, state, {
        inputTokens: 0,
        price,
        requestedOutput: 32_000,
        minOutput: 1025,
      }),
    ).toMatchObject({
      ok: false,
      limit: 'cost',
    });
    expect(
      admitCall({ maxCostUsd: 0.5 }, state, { inputTokens: 0, price, requestedOutput: 32_000, minOutput: 1 }),
    ).toMatchObject({
      ok: true,
      cap: 666,
    });
  });

  it('a model without a price passes the cost budget (the runner names it in the log); turns still hold', () => {
    expect(
      admitCall(
        { maxCostUsd: 0.01 },
        { ...idle, costUsd: 5 },
        { inputTokens: 9, price: undefined, requestedOutput: 10, minOutput: 1 },
      ),
    ).toMatchObject({ ok: true });
    expect(
      admitCall(
        { maxTurns: 2 },
        { ...idle, calls: 2 },
        { inputTokens: 0, price, requestedOutput: 10, minOutput: 1 },
      ),
    ).toMatchObject({
      ok: false,
      limit: 'turns',
    });
  });
});
