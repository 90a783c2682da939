const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/** The longest duration Drover accepts anywhere (timeouts, drain, leases): 30 days. */
export const MAX_DURATION_MS = 30 * 86_400_000;
export const MAX_DURATION_TEXT = '30d';

export interface ParseDurationOptions {
  allowZero?: boolean;
  /** Upper bound in ms (default and ceiling: MAX_DURATION_MS). */
  maxMs?: number;
}

/**
 * Parses `90s`, `15m`, `1h`, `1h30m`, `250ms`, or a plain number of seconds, to milliseconds; at most
 * 30 days (a larger value would overflow timers or mean "never" by accident).
 */
export function parseDuration(input: string | number, opts: ParseDurationOptions = {}): number {
  let ms: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0 || (input === 0 && !opts.allowZero)) {
      throw new Error('expected a positive number of seconds');
    }
    ms = input * 1000;
  } else {
    const text = input.trim();
    if (text.length > 64) throw new Error('is not a duration (too long); use e.g. 90s, 15m or 1h');
    if (/^\d+(?:\.\d+)?$/.test(text)) return parseDuration(Number(text), opts);
    if (!WHOLE.test(text)) throw new Error(`"${input}" is not a duration; use e.g. 90s, 15m or 1h`);
    ms = 0;
    for (const [, value, unit] of text.matchAll(PART))
      ms += Number(value) * UNIT_MS[unit as keyof typeof UNIT_MS];
    if (ms <= 0 && !opts.allowZero) throw new Error('expected a duration above zero');
  }
  const max = Math.min(opts.maxMs ?? MAX_DURATION_MS, MAX_DURATION_MS);
  if (!(ms <= max)) throw new Error(`must be at most ${formatLimit(max)}`);
  return Math.round(ms);
}

function formatLimit(ms: number): string {
  return ms === MAX_DURATION_MS ? `${MAX_DURATION_TEXT} (30 days)` : formatDuration(ms);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m`;
}
