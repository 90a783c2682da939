import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/support/redisServer.js';
import type { JobSource } from '../jobs/JobSource.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { RedisStore } from '../store/RedisStore.js';
import { SqliteStore } from '../store/SqliteStore.js';
import type { JobStore } from '../store/types.js';
import { ApiAuth } from './ApiAuth.js';
import { buildServer } from './buildServer.js';

// GET /api/jobs with the repo (substring) and q (free text) filters, on the real server over each real
// store: the same requests must give the same answers on SQLite and on Redis.

const TOKEN = 'unit-token-0123456789abcdef';
const logger = pino({ level: 'silent' });

let redis: RedisServer;
let dir: string;
beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'drover-list-'));
});
afterAll(async () => {
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const stores: Record<string, () => Promise<JobStore>> = {
  sqlite: async () => new SqliteStore(join(dir, 'drover.db')),
  redis: () => RedisStore.connect({ url: redis.url, prefix: 'list:', logger }),
};

describe.each(Object.keys(stores))('GET /api/jobs filters on %s', (kind) => {
  let store: JobStore;
  let app: FastifyInstance;
  let url: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    store = await stores[kind]!();
    app = await buildServer({ store, logger, auth: new ApiAuth([TOKEN]), webRoot: null });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const add = async (name: string, fields: Record<string, unknown>, source?: JobSource) => {
      const spec = parseJobSpec({ prompt: 'do it', agent: 'command', agentCmd: 'true', ...fields });
      ids[name] = (await store.enqueue(spec, source ? { source } : {})).id;
    };
    // Oldest first: the list answers newest first.
    await add('web', { repo: 'https://github.com/Acme/Web-App.git', prompt: 'Refactor the ÜBER parser' });
    await add('api', { repo: '/srv/acme/api.git', branch: 'feature/login-form' });
    await add(
      'tool',
      { repo: 'https://gitlab.com/other/tool.git', prompt: 'Fix the flaky test' },
      { intake: 'forge', forge: 'gitlab', author: 'Zoë-Reviewer', number: 42, kind: 'issue' },
    );
    await add(
      'plan',
      { repo: 'https://gitlab.com/other/tool.git', prompt: 'Write docs' },
      { intake: 'plan', plan: 'release-2', task: 'docs-pass', role: 'executor' },
    );
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const list = async (query: string) => {
    const res = await fetch(`${url}/api/jobs?${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    // biome-ignore lint/suspicious/noExplicitAny: JSON bodies, checked by the assertions
    return { status: res.status, body: (await res.json()) as any };
  };
  const names = async (query: string) => {
    const res = await list(query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byId = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    return (res.body.jobs as { id: string }[]).map((j) => byId[j.id]);
  };

  it('matches repo by case-insensitive substring', async () => {
    expect(await names('repo=acme')).toEqual(['api', 'web']);
    expect(await names('repo=WEB-app')).toEqual(['web']);
    expect(await names(`repo=${encodeURIComponent('https://gitlab.com/other/tool.git')}`)).toEqual([
      'plan',
      'tool',
    ]);
    expect(await names('repo=nothing-like-this')).toEqual([]);
  });

  it('searches id, repo, branch, prompt and source with q, combined with the other filters', async () => {
    expect(await names('q=über')).toEqual(['web']);
    expect(await names('q=LOGIN-FORM')).toEqual(['api']);
    expect(await names(`q=${ids.tool!.slice(0, 10)}`)).toEqual(['tool']);
    expect(await names(`q=${encodeURIComponent('zoë')}`)).toEqual(['tool']);
    expect(await names('q=docs-pass')).toEqual(['plan']);
    expect(await names('q=acme')).toEqual(['api', 'web']);
    expect(await names('q=acme&repo=srv')).toEqual(['api']);
    expect(await names('q=fix&status=queued')).toEqual(['tool']);
    expect(await names('q=fix&status=running')).toEqual([]);
    expect(await names('q=no-such-text-anywhere')).toEqual([]);
    // Special characters are text, not patterns.
    expect(await names(`q=${encodeURIComponent('%')}`)).toEqual([]);
    expect(await names(`q=${encodeURIComponent('_')}`)).toEqual([]);
  });

  it('pages filtered results with the cursor', async () => {
    const first = await list('repo=gitlab&limit=1');
    expect(first.body.jobs.map((j: { id: string }) => j.id)).toEqual([ids.plan]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list(`repo=gitlab&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.jobs.map((j: { id: string }) => j.id)).toEqual([ids.tool]);
  });

  it('answers 400 naming q or repo when they are empty or too long', async () => {
    for (const [query, path] of [
      ['q=', 'q'],
      ['q=%20%20', 'q'],
      [`q=${'x'.repeat(501)}`, 'q'],
      ['repo=', 'repo'],
    ] as const) {
      const res = await list(query);
      expect(res.status, query).toBe(400);
      expect(res.body.issues.map((i: { path: string }) => i.path)).toEqual([path]);
    }
  });
});
