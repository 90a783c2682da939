import { type OutputEntry, OutputStream } from '../../jobs/OutputEntry.js';

/**
 * Output stream `job:{id}:output`: one entry per line or agent event, stream id `<seq>-0`, fields
 * `seq`, `ts`, `stream` (stdout|stderr|system|agent), `line` (masked), and when present `type` (agent
 * event type, or phase/status/end for system lines) and `data` (JSON). The last entry of a finished
 * job has type `end`. Reading after a seq is an XRANGE from `<seq+1>-0`.
 */

/** The appendOutput script's ARGV after maxlen: 6 values per entry. */
export function outputArgs(entries: OutputEntry[]): string[] {
  const args: string[] = [];
  for (const e of entries) {
    args.push(String(e.seq), e.ts, e.stream, e.line, e.type ?? '', e.data ? JSON.stringify(e.data) : '');
  }
  return args;
}

type RawEntry = [string, string[]];

/** Parses an XRANGE reply; entries that are not Drover output (a stray producer) are skipped. */
export function parseOutputEntries(reply: unknown): OutputEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: OutputEntry[] = [];
  for (const item of reply as RawEntry[]) {
    const [id, flat] = item;
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
    const seq = Number(f.seq ?? seqOfId(id));
    const stream = OutputStream.safeParse(f.stream);
    if (!Number.isInteger(seq) || seq <= 0 || !stream.success) continue;
    const entry: OutputEntry = { seq, ts: f.ts ?? '', stream: stream.data, line: f.line ?? '' };
    if (f.type) entry.type = f.type;
    if (f.data) {
      try {
        const data: unknown = JSON.parse(f.data);
        if (data && typeof data === 'object' && !Array.isArray(data))
          entry.data = data as Record<string, unknown>;
      } catch {
        // Not JSON: keep the line, drop the data.
      }
    }
    entries.push(entry);
  }
  return entries;
}

export function seqOfId(id: string): number {
  const ms = Number(id.split('-')[0]);
  return Number.isFinite(ms) ? ms : 0;
}
