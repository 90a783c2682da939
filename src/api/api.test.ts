import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { ApiAuth, parseTokenList } from './ApiAuth.js';
import { buildServer } from './buildServer.js';
import { isLoopbackHost, isLoopbackHostHeader } from './isLoopback.js';
import { formatSseEvent } from './sse.js';

const TOKEN = 'unit-token-0123456789abcdef';

describe('formatSseEvent', () => {
  it('writes id, event and one line of JSON data', () => {
    expect(formatSseEvent({ id: 7, event: 'stdout', data: { line: 'a\nb\r\nc' } })).toBe(
      'id: 7\nevent: stdout\ndata: {"line":"a\\nb\\r\\nc"}\n\n',
    );
    expect(formatSseEvent({ data: 1 })).toBe('data: 1\n\n');
  });

  it('refuses CR, LF and other odd characters in ids and event names', () => {
    for (const bad of ['a\nb', 'a\rb', 'x\r\nevent: y', '', 'with space']) {
      expect(() => formatSseEvent({ id: bad, data: 1 })).toThrow(/invalid SSE id/);
      expect(() => formatSseEvent({ event: bad, data: 1 })).toThrow(/invalid SSE event name/);
    }
  });
});

describe('ApiAuth', () => {
  it('accepts only a configured token as a bearer header', () => {
    const auth = new ApiAuth([TOKEN, 'second-token-0123456789']);
    expect(auth.verifyHeader(`Bearer ${TOKEN}`)).toBe(true);
    expect(auth.verifyHeader(`bearer   second-token-0123456789`)).toBe(true);
    for (const bad of [
      undefined,
      '',
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      'Bearer ',
    ]) {
      expect(auth.verifyHeader(bad)).toBe(false);
    }
    expect(new ApiAuth([]).enabled).toBe(false);
  });

  it('parses token lists and refuses short tokens without echoing them', () => {
    expect(parseTokenList(` ${TOKEN} ,\n# comment\nsecond-token-0123456789\n`, 'x')).toEqual([
      TOKEN,
      'second-token-0123456789',
    ]);
    expect(() => parseTokenList('short-secret', 'DROVER_API_TOKENS')).toThrow(ConfigError);
    try {
      parseTokenList('short-secret', 'DROVER_API_TOKENS');
    } catch (err) {
      expect((err as Error).message).toContain('DROVER_API_TOKENS');
      expect((err as Error).message).not.toContain('short-secret');
    }
  });
});

describe('isLoopback', () => {
  it('knows loopback addresses and Host headers', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1', '']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    expect(isLoopbackHostHeader('127.0.0.1:7700')).toBe(true);
    expect(isLoopbackHostHeader('[::1]:7700')).toBe(true);
    expect(isLoopbackHostHeader('localhost')).toBe(true);
    expect(isLoopbackHostHeader('evil.example:7700')).toBe(false);
    expect(isLoopbackHostHeader(undefined)).toBe(false);
  });
});

// The real server on a loopback port over a real SqliteStore (no runner: jobs stay queued).
describe('buildServer event streams', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-api-unit-'));
    store = new SqliteStore(join(dir, 'drover.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (tokens: string[]) => {
    const app = await buildServer({
      store,
      logger: pino({ level: 'silent' }),
      auth: new ApiAuth(tokens),
      webRoot: null,
      ssePollMs: 20,
      sseHeartbeatMs: 50,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { app, url: `http://127.0.0.1:${port}` };
  };
  const streams = async (url: string) =>
    Number(/^drover_sse_streams (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);

  it('redirects the plain job links Drover writes in PR bodies and comments to the dashboard route', async () => {
    const { app, url } = await start([TOKEN]);
    const res = await fetch(`${url}/jobs/job-abc123`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/#/jobs/job-abc123');
    expect((await fetch(`${url}/jobs/..%2F..%2Fetc`, { redirect: 'manual' })).status).toBe(404);
    await app.close();
  });

  it('sends heartbeats, stops when the client leaves, and ends open streams on close', async () => {
    const { app, url } = await start([TOKEN]);
    const job = await store.enqueue(
      parseJobSpec({ repo: '/srv/r.git', prompt: 'p', agent: 'command', agentCmd: 'true' }),
    );
    const headers = { authorization: `Bearer ${TOKEN}` };

    const first = new AbortController();
    const res = await fetch(`${url}/api/jobs/${job.id}/events`, { headers, signal: first.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': ping')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('event: job');
    expect(await streams(url)).toBe(1);
    first.abort();
    await expect.poll(() => streams(url), { timeout: 10_000 }).toBe(0);

    const second = await fetch(`${url}/api/jobs/${job.id}/events`, { headers });
    const closing = app.close();
    // Shutdown ends the stream: the body completes instead of hanging.
    expect(await second.text()).toContain('event: job');
    await closing;
  });

  it('keeps streaming past a stale end marker until the job is terminal', async () => {
    const { app, url } = await start([TOKEN]);
    await store.enqueue(
      parseJobSpec({ repo: '/srv/r.git', prompt: 'p', agent: 'command', agentCmd: 'true' }),
    );
    const lease = (await store.claim('r1', { leaseMs: 60_000, waitMs: 0 }))!;
    const id = lease.job.id;
    const entry = (seq: number, line: string, type?: string) => ({
      seq,
      ts: new Date().toISOString(),
      stream: 'system' as const,
      line,
      ...(type ? { type } : {}),
    });
    // The first attempt wrote its end marker, then its runner died before writing the status.
    await store.appendOutput(id, [entry(1, 'attempt 1'), entry(2, 'end of output', 'end')]);
    const res = await fetch(`${url}/api/jobs/${id}/events`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = res.text();
    // Nothing ends the stream until the retry's output and the terminal status arrive.
    await expect.poll(() => streams(url), { timeout: 10_000 }).toBe(1);
    await store.appendOutput(id, [entry(3, 'attempt 2'), entry(4, 'end of output', 'end')]);
    await lease.finish({ status: 'succeeded' });
    const text = await body;
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4]);
    expect(text.trimEnd().split('\n\n').at(-1)).toContain('"status":"succeeded"');
    await app.close();
  });

  it('without tokens answers only loopback Host headers (DNS rebinding)', async () => {
    const { app, url } = await start([]);
    const port = new URL(url).port;
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/api/jobs', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await get(`127.0.0.1:${port}`)).toBe(200);
    expect(await get(`localhost:${port}`)).toBe(200);
    expect(await get(`attacker.example:${port}`)).toBe(403);
    await app.close();
  });
});
