import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/** Parses `90s`, `15m`, `1h`, `1h30m`, `250ms`, or a plain number of seconds, to milliseconds. */
export function parseDuration(input: string | number, opts: { allowZero?: boolean } = {}): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0 || (input === 0 && !opts.allowZero)) {
      throw new Error('expected a positive number of seconds');
    }
    return Math.round(input * 1000);
  }
  const text = input.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return parseDuration(Number(text), opts);
  if (!WHOLE.test(text)) throw new Error(`"${input}" is not a duration; use e.g. 90s, 15m or 1h`);
  let ms = 0;
  for (const [, value, unit] of text.matchAll(PART))
    ms += Number(value) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (ms <= 0 && !opts.allowZero) throw new Error('expected a duration above zero');
  return Math.round(ms);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m`;
}

/** zod: a duration string or seconds, kept as given (so it round-trips through JSON); see durationMs. */
export const Duration = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  try {
    parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});
export type Duration = z.infer<typeof Duration>;
