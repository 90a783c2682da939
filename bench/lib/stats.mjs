// Small statistics helpers: every figure the benchmark prints is a median, a percentile or a ratio.

export function median(values) {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function round(x, digits = 2) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Runs the thunks in alternation (a, b, a, b...) `runs` times after `warmup` rounds; returns ms per thunk. */
export async function interleaved(thunks, { runs, warmup = 1, between } = {}) {
  const times = Object.fromEntries(Object.keys(thunks).map((k) => [k, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const [name, fn] of Object.entries(thunks)) {
      const start = performance.now();
      await fn(i);
      const ms = performance.now() - start;
      if (i >= warmup) times[name].push(ms);
      if (between) await between(name, i);
    }
  }
  return times;
}
