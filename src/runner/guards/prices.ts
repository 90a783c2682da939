import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fieldErrors } from '../../environments/EnvironmentConfig.js';
import { ConfigError } from '../../errors.js';

/**
 * USD per million tokens. `cachedInput` (prompt-cache reads) and `cacheWrite` (prompt-cache writes;
 * `cacheWrite1h` for one-hour cache writes) default to `input` when a price file omits them.
 */
export const ModelPrice = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
  cacheWrite1h: z.number().nonnegative().optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

/** Model name (or name prefix, see priceFor; `*` = any other model) → price. */
export const PriceTable = z.record(z.string().min(1), ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

/**
 * Public list prices when this was written (USD per million tokens). Estimates for the cost budget of
 * agents that report tokens but no cost (Codex, Gemini); override or extend with DROVER_PRICES_FILE.
 */
export const DEFAULT_PRICES: PriceTable = {
  'claude-opus-4-5': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25, cacheWrite1h: 10 },
  'claude-opus-4': { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75, cacheWrite1h: 30 },
  'claude-sonnet-4': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 },
  'claude-haiku-4-5': { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25, cacheWrite1h: 2 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cachedInput: 0.08, cacheWrite: 1, cacheWrite1h: 1.6 },
  'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5-codex': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.31 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.075 },
};

/** The built-in table overlaid with the operator's file (its entries win). */
export function loadPriceTable(path: string | undefined): PriceTable {
  if (!path) return DEFAULT_PRICES;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`DROVER_PRICES_FILE ${path}: cannot read it as JSON (${(err as Error).message})`);
  }
  const parsed = PriceTable.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(`DROVER_PRICES_FILE ${path}: ${fieldErrors(parsed.error)}`);
  }
  return { ...DEFAULT_PRICES, ...parsed.data };
}

/**
 * The price of a model: exact name, else the longest entry it extends at a `-`/`@`/`:` boundary
 * (`claude-sonnet-4` prices `claude-sonnet-4-5-20250929`, `gpt-5` does not price `gpt-5.5`), else `*`.
 */
export function priceFor(table: PriceTable, model: string | undefined): ModelPrice | undefined {
  if (!model) return table['*'];
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (key === '*' || !model.startsWith(key)) continue;
    const next = model[key.length];
    if ((next === '-' || next === '@' || next === ':') && (!best || key.length > best.length)) best = key;
  }
  return best ? table[best] : table['*'];
}

export interface TokenUsage {
  /** Input not read from the prompt cache (cache writes included). */
  inputTokens: number;
  outputTokens: number;
  /** Input read from the prompt cache. */
  cachedInputTokens?: number;
  /** Of inputTokens, written to the prompt cache (priced `cacheWrite`). */
  cacheWriteTokens?: number;
  /** Of cacheWriteTokens, written with a one-hour lifetime (priced `cacheWrite1h`). */
  cacheWrite1hTokens?: number;
}

export function costOf(price: ModelPrice, usage: TokenUsage): number {
  const cached = usage.cachedInputTokens ?? 0;
  const writes = Math.min(usage.cacheWriteTokens ?? 0, usage.inputTokens);
  const writes1h = Math.min(usage.cacheWrite1hTokens ?? 0, writes);
  const writePrice = price.cacheWrite ?? price.input;
  return (
    ((usage.inputTokens - writes) * price.input +
      (writes - writes1h) * writePrice +
      writes1h * (price.cacheWrite1h ?? writePrice) +
      cached * (price.cachedInput ?? price.input) +
      usage.outputTokens * price.output) /
    1_000_000
  );
}
