import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readSse,
  type ServeHandle,
  type SseMessage,
  startServe,
  TEST_TOKEN,
} from '../support/droverServer.js';
import { type BareRepo, createBareRepo, readFileAtRef } from '../support/gitRepos.js';

// The real `drover serve` (built CLI) on a loopback port, with embedded workers running command agents
// against a real git repository.

interface Entry {
  seq: number;
  stream: string;
  line: string;
  type?: string;
}

let repo: BareRepo;
let server: ServeHandle;
const auth = { authorization: `Bearer ${TEST_TOKEN}` };

async function call(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...auth, ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(body ? { body } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, checked by the assertions
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

const commandJob = (agentCmd: string, extra: Record<string, unknown> = {}) => ({
  repo: repo.bareDir,
  prompt: 'Write some lines',
  agent: 'command',
  agentCmd,
  ...extra,
});

/** Every stored entry, through the paged logs route. */
async function storedLog(id: string): Promise<Entry[]> {
  const all: Entry[] = [];
  let after = 0;
  for (let page = 0; page < 100; page++) {
    const res = await call(`/api/jobs/${id}/logs?after=${after}&limit=7`);
    expect(res.status).toBe(200);
    all.push(...res.json.entries);
    after = res.json.nextAfter;
    if (res.json.done) return all;
  }
  throw new Error('logs did not end');
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, checked by the assertions
const body = (res: Response): Promise<any> => res.json();
const entriesOf = (messages: SseMessage[]) => messages.filter((m) => m.id !== undefined);
const jobEvents = (messages: SseMessage[]) =>
  messages.filter((m) => m.event === 'job').map((m) => JSON.parse(m.data));

beforeAll(async () => {
  repo = await createBareRepo();
  server = await startServe({ args: ['--concurrency', '2', '--drain-timeout', '20s'] });
});

afterAll(async () => {
  // Graceful shutdown: SIGTERM drains and exits 0.
  const res = await server?.stop('SIGTERM');
  expect(res?.code).toBe(0);
  await repo?.cleanup();
});

describe('drover serve: auth', () => {
  it('answers 401 with WWW-Authenticate on every /api route without a valid token; health is open', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/jobs'],
      ['POST', '/api/jobs'],
      ['GET', '/api/jobs/2aaaaaaaaaaaaaaaaaaaaaaaaa'],
      ['POST', '/api/jobs/2aaaaaaaaaaaaaaaaaaaaaaaaa/cancel'],
      ['GET', '/api/jobs/2aaaaaaaaaaaaaaaaaaaaaaaaa/logs'],
      ['GET', '/api/jobs/2aaaaaaaaaaaaaaaaaaaaaaaaa/events'],
      ['GET', '/api/openapi.json'],
    ];
    for (const [method, path] of routes) {
      const variants: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong-token-0123456789' },
        { authorization: TEST_TOKEN },
      ];
      for (const headers of variants) {
        const res = await fetch(`${server.url}${path}`, { method, headers });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="drover"/);
        expect((await body(res)).code).toBe('E_UNAUTHORIZED');
      }
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(await body(ready)).toEqual({ status: 'ready', store: 'sqlite' });
    const ui = await fetch(`${server.url}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<div id="app">');
    expect(ui.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe('drover serve: input validation', () => {
  it('answers 400 naming each bad field', async () => {
    const bad = await call('/api/jobs', {
      method: 'POST',
      body: { repo: 'ext::sh -c evil', prompt: '', timeout: 'soon', agent: 'command', colour: 'red' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('E_INVALID_INPUT');
    const paths = bad.json.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['repo', 'prompt', 'timeout', 'agentCmd', 'colour']));

    const notJson = await call('/api/jobs', { method: 'POST', body: '{"repo": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.issues[0].path).toBe('body');
    const empty = await call('/api/jobs', {
      method: 'POST',
      body: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.status).toBe(400);
    expect(empty.json.issues).toEqual([{ path: 'body', message: 'a job spec JSON object is required' }]);

    const query = await call('/api/jobs?status=done&limit=9999&colour=1');
    expect(query.status).toBe(400);
    expect(query.json.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'colour',
      'limit',
      'status',
    ]);
    expect((await call('/api/jobs?cursor=!!')).json.issues[0].path).toBe('cursor');
    expect((await call('/api/jobs/NOT..AN..ID')).json.issues[0]).toEqual({
      path: 'id',
      message: 'is not a job id',
    });
    expect((await call('/api/jobs/2aaaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404);
    const logs = await call('/api/jobs/2aaaaaaaaaaaaaaaaaaaaaaaaa/logs?after=-1');
    expect(logs.json.issues[0].path).toBe('after');
    const events = await call('/api/jobs/2aaaaaaaaaaaaaaaaaaaaaaaaa/events', {
      headers: { 'last-event-id': 'abc' },
    });
    expect(events.status).toBe(400);
    expect(events.json.issues[0].path).toBe('Last-Event-ID');
  });

  it('answers 413 for an oversized body', async () => {
    const huge = JSON.stringify(commandJob('true', { prompt: 'x'.repeat(2 * 1024 * 1024) }));
    const res = await call('/api/jobs', { method: 'POST', body: huge });
    expect(res.status).toBe(413);
    expect(res.json.code).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
  });
});

describe('drover serve: jobs and live events', () => {
  it('creates a job, streams it over SSE to the end, and the stream matches the stored log', async () => {
    const created = await call('/api/jobs', {
      method: 'POST',
      body: commandJob(
        'for i in $(seq 1 12); do echo "line $i"; sleep 0.05; done; echo oops >&2; echo hi > api.txt',
      ),
    });
    expect(created.status).toBe(201);
    const job = created.json;
    expect(created.headers.get('location')).toBe(`/api/jobs/${job.id}`);
    expect(job).toMatchObject({ status: 'queued', agent: 'command', repo: repo.bareDir });
    expect(job).not.toHaveProperty('cancelRequested');

    const sse = await readSse(`${server.url}/api/jobs/${job.id}/events`, { headers: auth });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = entriesOf(sse.messages);
    const streamed: Entry[] = events.map((m) => JSON.parse(m.data));
    // id = seq, event = stream or system type; the last entry is the end marker.
    for (const [i, m] of events.entries()) {
      const entry = streamed[i]!;
      expect(m.id).toBe(String(entry.seq));
      expect(m.event).toBe(
        entry.stream === 'system' && ['phase', 'status', 'end'].includes(entry.type ?? '')
          ? entry.type
          : entry.stream,
      );
    }
    expect(streamed.at(-1)?.type).toBe('end');
    expect(streamed.map((e) => e.seq)).toEqual(streamed.map((_, i) => i + 1));
    expect(streamed.filter((e) => e.stream === 'stdout').map((e) => e.line)).toEqual(
      Array.from({ length: 12 }, (_, i) => `line ${i + 1}`),
    );
    expect(streamed.some((e) => e.stream === 'stderr' && e.line === 'oops')).toBe(true);
    const phases = events.filter((m) => m.event === 'phase').map((m) => JSON.parse(m.data).data.phase);
    // In order (other phases, e.g. setup, may sit between them).
    expect(
      phases.filter((p) => ['preparing', 'cloning', 'agent', 'committing', 'pushing'].includes(p)),
    ).toEqual(['preparing', 'cloning', 'agent', 'committing', 'pushing']);
    // Status changes arrive as events too, the terminal record last.
    const records = jobEvents(sse.messages);
    expect(records.at(-1)).toMatchObject({ id: job.id, status: 'succeeded' });
    expect(sse.messages.at(-1)?.event).toBe('job');

    expect(await storedLog(job.id)).toEqual(streamed);
    const done = await call(`/api/jobs/${job.id}`);
    expect(done.json).toMatchObject({ status: 'succeeded', exitCode: 0, errorKind: null });
    expect(await readFileAtRef(repo.bareDir, done.json.branch, 'api.txt')).toBe('hi\n');

    // Artifacts (stored before the terminal status): listed, downloadable as attachments.
    const artifacts = await call(`/api/jobs/${job.id}/artifacts`);
    const names = artifacts.json.artifacts.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(['log.txt', 'result.json']));
    const result = await call(`/api/jobs/${job.id}/artifacts/result.json`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-disposition')).toBe('attachment; filename="result.json"');
    expect(JSON.parse(result.text)).toMatchObject({ status: 'succeeded' });
    expect((await call(`/api/jobs/${job.id}/artifacts/nope.txt`)).status).toBe(404);
    const badName = await call(`/api/jobs/${job.id}/artifacts/..secret`);
    expect(badName.status).toBe(400);
    expect(badName.json.issues[0].path).toBe('name');

    // A client that has seen everything gets 204 (EventSource stops reconnecting).
    const again = await fetch(`${server.url}/api/jobs/${job.id}/events`, {
      headers: { ...auth, 'last-event-id': String(streamed.at(-1)!.seq) },
    });
    expect(again.status).toBe(204);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^drover_jobs\{status="succeeded"\} [1-9]/m);
    expect(metrics).toMatch(/^drover_queue_depth \d+/m);
    expect(metrics).toMatch(/^drover_running_agents \d+/m);
    expect(metrics).toMatch(/^drover_output_lines_total\{stream="stdout"\} ([1-9]\d+)/m);
    expect(metrics).toMatch(/^drover_api_jobs_submitted_total [1-9]/m);
    expect(metrics).toContain('# TYPE drover_agent_cost_usd_total counter');
    // The duration is observed once the terminal status is stored, just after the end marker.
    await expect
      .poll(
        async () =>
          (await (await fetch(`${server.url}/metrics`)).text()).match(
            /^drover_job_duration_seconds_count\{status="succeeded"\} (\d+)/m,
          )?.[1],
        {
          timeout: 20_000,
        },
      )
      .toMatch(/^[1-9]/);
  });

  it('resumes from Last-Event-ID mid-stream with no gap and no duplicate', async () => {
    const created = await call('/api/jobs', {
      method: 'POST',
      body: commandJob('for i in $(seq 1 25); do echo "tick $i"; sleep 0.1; done', { allowNoChanges: true }),
    });
    const id = created.json.id;
    // First connection: cut it as soon as the agent has printed its third line.
    const first = await readSse(`${server.url}/api/jobs/${id}/events?after=0`, {
      headers: auth,
      until: (m) => m.event === 'stdout' && JSON.parse(m.data).line === 'tick 3',
    });
    const firstEntries = entriesOf(first.messages);
    const lastId = firstEntries.at(-1)!.id!;
    // Reconnect as EventSource does: same URL, Last-Event-ID header (it wins over ?after=).
    const second = await readSse(`${server.url}/api/jobs/${id}/events?after=0`, {
      headers: { ...auth, 'last-event-id': lastId },
    });
    const secondEntries = entriesOf(second.messages);
    // The job was still running when the first connection was cut: the rest came over the second.
    expect(secondEntries.some((m) => m.event === 'stdout')).toBe(true);
    const seqs = [...firstEntries, ...secondEntries].map((m) => Number(m.id));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const combined = [...firstEntries, ...secondEntries].map((m) => JSON.parse(m.data));
    expect(combined).toEqual(await storedLog(id));
    expect(combined.filter((e) => e.stream === 'stdout').map((e) => e.line)).toEqual(
      Array.from({ length: 25 }, (_, i) => `tick ${i + 1}`),
    );
  });

  it('cancels a running job: 202, the stream ends with the cancelled record, a second cancel is 409', async () => {
    const created = await call('/api/jobs', {
      method: 'POST',
      body: commandJob('for i in $(seq 1 600); do echo "wait $i"; sleep 0.1; done'),
    });
    const id = created.json.id;
    let cancel: Awaited<ReturnType<typeof call>> | undefined;
    const sse = await readSse(`${server.url}/api/jobs/${id}/events`, {
      headers: auth,
      until: (m) => {
        if (!cancel && m.event === 'stdout') {
          void call(`/api/jobs/${id}/cancel`, { method: 'POST' }).then((res) => (cancel = res));
        }
        return false;
      },
    });
    expect(cancel?.status).toBe(202);
    expect(cancel?.json.status).toBe('running');
    expect(jobEvents(sse.messages).at(-1)).toMatchObject({ status: 'cancelled', errorKind: 'cancelled' });
    const stdout = entriesOf(sse.messages).filter((m) => m.event === 'stdout');
    expect(stdout.length).toBeLessThan(600);
    const again = await call(`/api/jobs/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('E_ALREADY_ENDED');
  });
});

describe('drover serve: queue without workers', () => {
  let queueServer: ServeHandle;
  beforeAll(async () => {
    queueServer = await startServe({
      args: ['--no-workers', '--rate-limit', '4'],
      env: { DROVER_LOG_LEVEL: 'info' },
    });
  });
  afterAll(async () => {
    expect((await queueServer.stop()).code).toBe(0);
  });
  const q = (path: string, init: RequestInit = {}) =>
    fetch(`${queueServer.url}${path}`, {
      ...init,
      headers: { ...auth, 'content-type': 'application/json', ...init.headers },
    });

  it('pages and filters the job list, cancels a queued job at once, rate-limits creation, serves OpenAPI', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await q('/api/jobs', { method: 'POST', body: JSON.stringify(commandJob(`echo ${i}`)) });
      expect(res.status).toBe(201);
      ids.push((await body(res)).id);
    }
    const page1 = await body(await q('/api/jobs?limit=2'));
    expect(page1.jobs.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    const page2 = await body(await q(`/api/jobs?limit=2&cursor=${page1.nextCursor}`));
    expect(page2).toEqual({ jobs: [expect.objectContaining({ id: ids[0] })], nextCursor: null });

    // A queued job's stream ends once it is cancelled (no end marker: it never ran).
    const streaming = readSse(`${queueServer.url}/api/jobs/${ids[0]}/events`, { headers: auth });
    await new Promise((r) => setTimeout(r, 500));
    const cancelled = await q(`/api/jobs/${ids[0]}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect((await body(cancelled)).status).toBe('cancelled');
    const sse = await streaming;
    expect(jobEvents(sse.messages).map((j) => j.status)).toEqual(['queued', 'cancelled']);

    const queued = await body(await q(`/api/jobs?status=queued&repo=${encodeURIComponent(repo.bareDir)}`));
    expect(queued.jobs.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    // The repo filter matches part of the path; q searches the id, repo, branch and prompt.
    const tail = repo.bareDir.slice(-12).toUpperCase();
    const byPart = await body(await q(`/api/jobs?repo=${encodeURIComponent(tail)}`));
    expect(byPart.jobs.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1], ids[0]]);
    const byId = await body(await q(`/api/jobs?q=${ids[1]!.slice(0, 12)}`));
    expect(byId.jobs.map((j: { id: string }) => j.id)).toEqual([ids[1]]);
    expect((await body(await q('/api/jobs?q=write%20SOME'))).jobs).toHaveLength(3);
    const badQ = await q('/api/jobs?q=');
    expect(badQ.status).toBe(400);
    expect((await body(badQ)).issues).toEqual([{ path: 'q', message: 'must not be empty' }]);

    const fourth = await q('/api/jobs', { method: 'POST', body: JSON.stringify(commandJob('true')) });
    expect(fourth.status).toBe(201);
    const limited = await q('/api/jobs', { method: 'POST', body: JSON.stringify(commandJob('true')) });
    expect(limited.status).toBe(429);
    expect((await body(limited)).code).toBe('E_RATE_LIMITED');

    const doc = await body(await q('/api/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/jobs',
        '/api/jobs/{id}',
        '/api/jobs/{id}/cancel',
        '/api/jobs/{id}/logs',
        '/api/jobs/{id}/events',
      ]),
    );
    expect(doc.components.schemas.JobSpec.properties.repo).toBeDefined();
    expect(doc.paths['/api/jobs'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'repo', 'q', 'limit', 'cursor']),
    );

    // Request logs carry a request id (echoed as x-request-id) and never the token.
    const traced = await q('/api/jobs?limit=1', { headers: { 'x-request-id': 'trace-me-123' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-me-123');
    await expect
      .poll(() => queueServer.output().stderr, { timeout: 10_000 })
      .toContain('"reqId":"trace-me-123"');
    expect(queueServer.output().stderr).not.toContain(TEST_TOKEN);
  });
});
