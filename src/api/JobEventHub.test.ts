import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { JobOutput } from '../runner/JobOutput.js';
import { Masker } from '../secrets/Masker.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { ApiAuth } from './ApiAuth.js';
import { buildServer } from './buildServer.js';
import { JobEventHub } from './JobEventHub.js';

// Many event-stream subscribers on one busy job, through the real server over a real SqliteStore:
// every subscriber gets every line once, in order, ending with the terminal record, while the store is
// read by one poller for the job. No timing is asserted.

const SUBSCRIBERS = 200;
const LINES = 600;

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'drover-fanout-'));
  store = new SqliteStore(join(dir, 'drover.db'));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(hub: JobEventHub) {
  const app = await buildServer({
    store,
    logger: pino({ level: 'silent' }),
    auth: new ApiAuth([]),
    webRoot: null,
    events: hub,
    sseHeartbeatMs: 60_000,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const metric = async (name: string) =>
    Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
  return { app, url, metric };
}

interface Received {
  ids: number[];
  lastEvent: { event: string; data: string } | undefined;
}

/** One subscriber: the whole stream, until the server ends it. */
async function subscribe(url: string, id: string, lastEventId?: number): Promise<Received> {
  const res = await fetch(`${url}/api/jobs/${id}/events`, {
    headers: lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {},
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  const events = text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => ({
      id: /^id: (\d+)$/m.exec(block)?.[1],
      event: /^event: (.+)$/m.exec(block)?.[1] ?? 'message',
      data: /^data: (.*)$/m.exec(block)?.[1] ?? '',
    }));
  return {
    ids: events.filter((e) => e.id !== undefined).map((e) => Number(e.id)),
    lastEvent: events.at(-1),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function queuedJob() {
  await store.enqueue(
    parseJobSpec({ repo: 'https://example.com/r.git', prompt: 'p', agent: 'command', agentCmd: 'x' }),
  );
  return (await store.claim('runner-1', { leaseMs: 600_000, waitMs: 0 }))!;
}

function expectComplete(all: Received[], first: number, last: number): void {
  for (const got of all) {
    expect(got.ids).toEqual(range(first, last));
    expect(got.lastEvent?.event).toBe('job');
    expect(JSON.parse(got.lastEvent!.data).status).toBe('succeeded');
  }
}

describe('event stream fan-out', () => {
  it('pushes a local runner’s stored output to 200 subscribers; one poller, which never had to poll it', async () => {
    // Polls are a minute apart: every line below can only arrive by push.
    const hub = new JobEventHub(store, { pollMs: 60_000, maxEntries: 64 });
    const { app, url, metric } = await serve(hub);
    const lease = await queuedJob();
    const id = lease.job.id;
    const output = await JobOutput.open(store, id, new Masker([]), { flushMs: 5 });
    output.onStored(hub.publish);

    const early = Array.from({ length: SUBSCRIBERS }, () => subscribe(url, id));
    await expect.poll(() => metric('drover_sse_streams'), { timeout: 30_000 }).toBe(SUBSCRIBERS);
    expect(await metric('drover_sse_job_pollers')).toBe(1);
    const readsBefore = hub.storeReads;

    for (let i = 1; i <= LINES / 2; i++) void output.append({ stream: 'stdout', line: `line ${i}` });
    await output.flush();
    // Late joiners: from the start (older than the in-memory window: read from the store), and resuming.
    const late = [
      ...Array.from({ length: 10 }, () => subscribe(url, id)),
      ...Array.from({ length: 10 }, () => subscribe(url, id, LINES / 4)),
    ];
    await expect.poll(() => metric('drover_sse_streams'), { timeout: 30_000 }).toBe(SUBSCRIBERS + 20);
    for (let i = LINES / 2 + 1; i <= LINES; i++) void output.append({ stream: 'stdout', line: `line ${i}` });
    output.system('end of output', 'end');
    await output.close();
    // Every line went out without a single store read by the poller.
    expect(hub.storeReads).toBe(readsBefore);
    expect(await metric('drover_sse_job_pollers')).toBe(1);

    await lease.finish({ status: 'succeeded' });
    hub.refresh(id);
    const results = await Promise.all(early);
    expectComplete(results, 1, LINES + 1);
    const lateResults = await Promise.all(late);
    expectComplete(lateResults.slice(0, 10), 1, LINES + 1);
    expectComplete(lateResults.slice(10), LINES / 4 + 1, LINES + 1);
    await expect.poll(() => metric('drover_sse_job_pollers'), { timeout: 10_000 }).toBe(0);
    await app.close();
  });

  it('polls a job run elsewhere once for all its 200 subscribers', async () => {
    const hub = new JobEventHub(store, { pollMs: 20, maxEntries: 64 });
    const { app, url, metric } = await serve(hub);
    const lease = await queuedJob();
    const id = lease.job.id;
    const subscribers = Array.from({ length: SUBSCRIBERS }, () => subscribe(url, id));
    await expect.poll(() => metric('drover_sse_streams'), { timeout: 30_000 }).toBe(SUBSCRIBERS);

    // Another process writes the output straight into the store, in batches.
    const entry = (seq: number): OutputEntry => ({
      seq,
      ts: new Date().toISOString(),
      stream: 'stdout',
      line: `l${seq}`,
    });
    for (let seq = 1; seq <= LINES; seq += 50) {
      await store.appendOutput(id, range(seq, seq + 49).map(entry));
      expect(await metric('drover_sse_job_pollers')).toBe(1);
      await new Promise((r) => setTimeout(r, 5));
    }
    await lease.finish({ status: 'succeeded' });
    expectComplete(await Promise.all(subscribers), 1, LINES);
    await app.close();
  });
});
