import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { costOf, DEFAULT_PRICES, loadPriceTable, priceFor } from './prices.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-prices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('price table', () => {
  it('matches exact names, then the longest entry a name extends at a separator, then *', () => {
    expect(priceFor(DEFAULT_PRICES, 'claude-sonnet-4-5')).toBe(DEFAULT_PRICES['claude-sonnet-4']);
    expect(priceFor(DEFAULT_PRICES, 'claude-opus-4-5-20251101')).toBe(DEFAULT_PRICES['claude-opus-4-5']);
    expect(priceFor(DEFAULT_PRICES, 'gpt-5-2025-08-07')).toBe(DEFAULT_PRICES['gpt-5']);
    expect(priceFor(DEFAULT_PRICES, 'gpt-5.5')).toBeUndefined(); // a different model, not a gpt-5 variant
    expect(priceFor({ ...DEFAULT_PRICES, '*': { input: 9, output: 9 } }, 'gpt-5.5')).toEqual({
      input: 9,
      output: 9,
    });
  });

  it('prices uncached input, cached input and output per million tokens', () => {
    expect(
      costOf(
        { input: 3, output: 15, cachedInput: 0.3 },
        { inputTokens: 1e6, outputTokens: 1e5, cachedInputTokens: 1e6 },
      ),
    ).toBeCloseTo(3 + 1.5 + 0.3, 9);
    expect(costOf({ input: 2, output: 8 }, { inputTokens: 0, outputTokens: 0, cachedInputTokens: 1e6 })).toBe(
      2,
    );
  });

  it('prices prompt-cache writes (5-minute and one-hour) apart from the rest of the input', () => {
    const price = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 };
    // 1M input of which 400k cache writes (100k of them one-hour), plus 1M cache reads.
    const usage = {
      inputTokens: 1e6,
      cacheWriteTokens: 4e5,
      cacheWrite1hTokens: 1e5,
      cachedInputTokens: 1e6,
      outputTokens: 0,
    };
    expect(costOf(price, usage)).toBeCloseTo(0.6 * 3 + 0.3 * 3.75 + 0.1 * 6 + 0.3, 9);
    // Without cache-write prices they cost what input costs.
    expect(costOf({ input: 2, output: 8 }, { ...usage, cachedInputTokens: 0 })).toBeCloseTo(2, 9);
  });

  it('overlays DROVER_PRICES_FILE on the built-in table', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ 'gpt-5.5': { input: 1, output: 10 } }));
    const table = loadPriceTable(file);
    expect(table['gpt-5.5']).toEqual({ input: 1, output: 10 });
    expect(table['claude-sonnet-4']).toEqual(DEFAULT_PRICES['claude-sonnet-4']);
  });

  it.each([
    ['{"m": {"input": -1, "output": 1}}', /DROVER_PRICES_FILE .*: m\.input: .*>=0/],
    ['{"m": {"input": 1}}', /m\.output: /],
    ['{"m": {"input": 1, "output": 1, "cached": 1}}', /m\.cached: unknown field/],
    ['{oops', /cannot read it as JSON/],
  ])('refuses a bad price file naming the field (%s)', (text, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);
    expect(() => loadPriceTable(file)).toThrow(message);
  });
});
