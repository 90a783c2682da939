import type { Redis } from 'ioredis';
import { type OutputEntry, OutputStream } from '../../jobs/OutputEntry.js';
import { APPEND_OUTPUT } from './redisScripts.js';

/**
 * Output stream `job:{id}:output`: one entry per line or agent event, stream id `<seq>-0`, fields
 * `seq`, `ts`, `stream` (stdout|stderr|system|agent), `line` (masked), and when present `type` (agent
 * event type, or phase/status/end for system lines) and `data` (JSON). The last entry of a finished
 * job has type `end`. Reading after a seq is an XRANGE from `<seq+1>-0`.
 */

/** Line text per script call: one JobOutput batch is one call unless its lines are very long. */
const CALL_BYTES = 8 << 20;
/** Entries per script call, whatever the caller hands over (a JobOutput batch is 2000). */
const CALL_ENTRIES = 5000;

/**
 * Appends entries with one script call per batch (one per CALL_BYTES of line text): idempotent per
 * seq, so a batch re-sent after a lost reply or a Redis restart adds only what is missing. Calls run
 * one after another: a later call must never land while an earlier one failed (its entries would
 * then sit below the stream's top and be taken for duplicates). With a lease token, nothing is
 * written once that attempt no longer owns the job ('fenced').
 */
export async function appendOutputEntries(
  client: Redis,
  keys: { output: string; job: string },
  maxLen: number,
  leaseToken: string,
  entries: OutputEntry[],
): Promise<'written' | 'fenced'> {
  let start = 0;
  while (start < entries.length) {
    let end = start;
    let bytes = 0;
    while (end < entries.length && end - start < CALL_ENTRIES && (bytes < CALL_BYTES || end === start)) {
      bytes += entries[end]!.line.length;
      end++;
    }
    const added = await APPEND_OUTPUT.run(
      client,
      [keys.output, keys.job],
      [maxLen, leaseToken, outputPayload(entries, start, end)],
    );
    if (added === -1) return 'fenced';
    start = end;
  }
  return 'written';
}

/**
 * The appendOutput script's payload: a JSON array of [seq, ts, stream, line, type, data] string rows
 * ('' = none). One JSON string is far cheaper to send and to take apart than six arguments per line.
 */
export function outputPayload(entries: OutputEntry[], start = 0, end = entries.length): string {
  const rows: string[][] = new Array(end - start);
  for (let i = start; i < end; i++) {
    const e = entries[i]!;
    rows[i - start] = [
      String(e.seq),
      e.ts,
      e.stream,
      wellFormed(e.line),
      e.type ?? '',
      e.data ? JSON.stringify(e.data) : '',
    ];
  }
  return JSON.stringify(rows);
}

type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };

/**
 * Lone surrogates become U+FFFD, as they did when each line went to Redis as its own UTF-8 argument
 * (JSON would carry them as \ud800 escapes, which Redis's JSON decoder rejects).
 */
function wellFormed(text: string): string {
  const s = text as unknown as WellFormed;
  return s.isWellFormed() ? text : s.toWellFormed();
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
