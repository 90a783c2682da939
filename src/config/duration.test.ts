import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['45', 45_000],
    [12, 12_000],
    [0.5, 500],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', 'soon', '10 minutes', '-5m', '5x', 'm5'])('rejects %j with a hint', (input) => {
    expect(() => parseDuration(input)).toThrow(/duration|seconds/);
  });

  it('rejects zero unless allowed', () => {
    expect(() => parseDuration('0s')).toThrow(/above zero/);
    expect(parseDuration('0s', { allowZero: true })).toBe(0);
    expect(() => parseDuration(-1)).toThrow(/positive/);
  });

  it('accepts up to 30 days and refuses more, naming the limit', () => {
    expect(parseDuration('30d')).toBe(MAX_DURATION_MS);
    expect(parseDuration('25d')).toBe(25 * 86_400_000);
    for (const big of ['30d1ms', '31d', '99999999999999999999h', 2_592_001, 1e300, '1e400']) {
      expect(() => parseDuration(big), String(big)).toThrow(/at most 30d|not a duration/);
    }
    expect(() => parseDuration('2h', { maxMs: 3_600_000 })).toThrow(/at most 1h0m/);
    expect(() => parseDuration(`${'1'.repeat(100)}s`)).toThrow(/too long/);
  });

  it('formats for humans', () => {
    expect(formatDuration(450)).toBe('450ms');
    expect(formatDuration(4_200)).toBe('4.2s');
    expect(formatDuration(125_000)).toBe('2m5s');
    expect(formatDuration(3_900_000)).toBe('1h5m');
  });
});
