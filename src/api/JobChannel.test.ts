import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { JobChannel } from './JobChannel.js';

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'drover-channel-'));
  store = new SqliteStore(join(dir, 'drover.db'));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (seq: number, line = `l${seq}`): OutputEntry => ({
  seq,
  ts: '2026-01-01T00:00:00.000Z',
  stream: 'stdout',
  line,
});
const ids = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

describe('JobChannel', () => {
  it('takes a pushed batch only when it continues what it holds; polled entries always', () => {
    const channel = new JobChannel(store, 'job-1', 0, { pollMs: 60_000 });
    channel.push([entry(1), entry(2)]);
    expect(channel.high).toBe(2);
    channel.push([entry(2), entry(3)]); // overlap: only the new one
    channel.push([entry(5), entry(6)]); // a gap: left for the poller
    expect(channel.high).toBe(3);
    expect(channel.add([entry(4), entry(5), entry(6)])).toBe(true);
    expect(ids(channel.textAfter(0).text)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids(channel.textAfter(4).text)).toEqual([5, 6]);
    expect(channel.textAfter(6)).toEqual({ text: '', high: 6 });
  });

  it('keeps a bounded window and hands out bounded pieces', () => {
    const channel = new JobChannel(store, 'job-2', 0, { pollMs: 60_000, maxEntries: 10 });
    channel.add(Array.from({ length: 25 }, (_, i) => entry(i + 1, 'x'.repeat(1000))));
    expect(channel.coveredFrom).toBe(15);
    expect(ids(channel.textAfter(15).text)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    const piece = channel.textAfter(15, 3000);
    expect(ids(piece.text)).toEqual([16, 17]);
    expect(piece.high).toBe(17);
    // A single entry larger than a piece still goes out whole.
    expect(ids(channel.textAfter(15, 10).text)).toEqual([16]);
  });
});
