const UNIT = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 } as const;

/** Parses `500M`, `10G`, `1.5g`, `2048` (bytes; k/m/g/t are powers of 1024, a trailing `B`/`iB` is allowed). */
export function parseBytes(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error('expected a size in bytes, e.g. 500M or 10G');
    return Math.floor(input);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(input);
  if (!m) throw new Error(`"${input}" is not a size; use e.g. 500M or 10G`);
  return Math.floor(Number(m[1]) * UNIT[(m[2] ?? '').toLowerCase() as keyof typeof UNIT]);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}
