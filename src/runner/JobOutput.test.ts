import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { Masker } from '../secrets/Masker.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { JobOutput } from './JobOutput.js';

const spec = parseJobSpec({ repo: '/srv/repo.git', prompt: 'p', agent: 'command', agentCmd: 'true' });

describe('JobOutput', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-output-'));
    store = new SqliteStore(join(dir, 'drover.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function readAll(id: string): Promise<OutputEntry[]> {
    const all: OutputEntry[] = [];
    for (let after = 0; ; ) {
      const page = await store.readOutput(id, after, 5000);
      all.push(...page);
      if (page.length < 5000) return all;
      after = page.at(-1)!.seq;
    }
  }

  it('stores every entry once, in order, numbered from 1, through batching and backpressure', async () => {
    const job = await store.enqueue(spec);
    const output = await JobOutput.open(store, job.id, new Masker(['s3cret-value']), {
      batchSize: 100,
      highWater: 500,
    });
    const seen: number[] = [];
    output.onEntry((e) => seen.push(e.seq));
    let waits = 0;
    for (let i = 1; i <= 20_000; i++) {
      const wait = output.appendMasked({ stream: 'stdout', line: `line ${i}` });
      if (wait) {
        waits++;
        await wait;
      }
    }
    output.system('with s3cret-value inside', 'info', { note: 's3cret-value' });
    await output.close();
    const stored = await readAll(job.id);
    expect(stored).toHaveLength(20_001);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 20_001 }, (_, i) => i + 1));
    expect(stored[41]).toMatchObject({ stream: 'stdout', line: 'line 42' });
    expect(stored.at(-1)).toMatchObject({ stream: 'system', line: 'with *** inside', data: { note: '***' } });
    expect(stored.every((e) => !Number.isNaN(Date.parse(e.ts)))).toBe(true);
    expect(seen).toEqual(stored.map((e) => e.seq));
    expect(waits).toBeGreaterThan(0); // the producer was told to wait: memory stayed bounded
    expect(output.written).toBe(20_001);
  });

  it('flush resolves once everything appended before it is stored; a reopened output continues numbering', async () => {
    const job = await store.enqueue(spec);
    const output = await JobOutput.open(store, job.id, new Masker());
    for (let i = 0; i < 10; i++) void output.appendMasked({ stream: 'stderr', line: `e${i}` });
    await output.flush();
    expect(await store.lastSeq(job.id)).toBe(10);
    await output.close();
    const again = await JobOutput.open(store, job.id, new Masker());
    void again.appendMasked({ stream: 'stdout', line: 'next attempt' });
    await again.close();
    expect((await readAll(job.id)).at(-1)).toMatchObject({ seq: 11, line: 'next attempt' });
  });
});
