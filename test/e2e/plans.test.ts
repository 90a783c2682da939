import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover, spawnDrover } from '../support/drover.js';
import { readSse, type ServeHandle, startServe } from '../support/droverServer.js';
import { type BareRepo, branchFiles, commitLog, createBareRepo } from '../support/gitRepos.js';
import {
  auth,
  PlanBed,
  type PlanEvent,
  type PlanView,
  peakFromJobs,
  peakFromLedger,
  type TaskView,
} from '../support/planBed.js';
import { waitFor } from '../support/processes.js';
import { type RedisServer, startRedisServer } from '../support/redisServer.js';

// Plans end to end, on the embedded store and on Redis: `drover serve` runs the orchestrator and the
// workers, the test plays the person through the CLI and the HTTP API, and every assertion reads the
// ledger, the job records and the git state left behind. Agents are shell commands; the reviewer is a
// scripted command too. Settings are short (cooldown 1s, watchdog 30s) to keep the suite CI-sized.

const ENV = {
  // Plan runs are jobs from the plan intake: their local test repos need the allow-list.
  DROVER_ALLOW_LOCAL_REPOS: tmpdir(),
  DROVER_PLAN_TICK: '300ms',
  DROVER_PLAN_LEASE: '4s',
  DROVER_LEASE: '4s',
  DROVER_REDIS_CLAIM_IDLE: '4s',
};
const WORK = 'printf "%s\\n" "$DROVER_JOB_ID" >> work.txt';
const PASS = 'echo "looks fine"; echo "REVIEW: PASS"';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.cleanup();
});

const of = (events: PlanEvent[], type: string, task?: string) =>
  events.filter((e) => e.type === type && (task === undefined || e.task === task));

describe.each(['sqlite', 'redis'] as const)('plans on the %s store', (kind) => {
  let repo: BareRepo;
  let markers: string;
  let dataDir: string;
  let bed: PlanBed;
  let server: ServeHandle;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { ...auth, 'content-type': 'application/json', ...init.headers },
    });

  beforeAll(async () => {
    repo = await createBareRepo();
    markers = mkdtempSync(join(tmpdir(), 'drover-plan-markers-'));
    dataDir = mkdtempSync(join(tmpdir(), 'drover-plan-data-'));
    const storeArgs =
      kind === 'sqlite' ? ['--data-dir', dataDir] : ['--redis', redis.url, '--redis-prefix', 'main:'];
    bed = new PlanBed(kind, storeArgs);
    server = await startServe({
      args: ['--concurrency', '3', '--drain-timeout', '5s', ...storeArgs],
      env: ENV,
    });
    bed.apiUrl = server.url;
  });
  afterAll(async () => {
    await server?.stop();
    await repo?.cleanup();
    bed?.cleanup();
    rmSync(markers, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a plan of 8 tasks: dependency order, caps, review fix-ups, rework, cycle cap, watchdog, retries', async () => {
    const name = 'release';
    const file = bed.writePlan(name, {
      name,
      repo: repo.bareDir,
      baseRef: 'main',
      defaults: { agent: 'command', agentCmd: WORK, reviewCmd: PASS, timeout: '3m' },
      settings: {
        maxExecutors: 2,
        maxReviewers: 1,
        readyBuffer: 2,
        reviewCycles: 2,
        retryCooldown: '1s',
        watchdog: '30s',
        maxRetries: 2,
      },
      tasks: [
        { id: 'a-core', title: 'Core', prompt: 'Build the core.', priority: 'P0' },
        {
          id: 'b-api',
          title: 'API',
          prompt: 'Add the API.',
          dependsOn: ['a-core'],
          agentCmd: `printf %s "$DROVER_PROMPT" | grep -q "log the request id" && echo logged > rework.txt; ${WORK}`,
        },
        {
          id: 'c-tests',
          title: 'Tests',
          prompt: 'Cover the core.',
          dependsOn: ['a-core'],
          acceptance: ['tests exist'],
          agentCmd:
            'if printf %s "$DROVER_PROMPT" | grep -q "missing tests"; then echo ok > tests.txt; else echo c > c.txt; fi',
          reviewCmd:
            'if [ -f tests.txt ]; then echo "REVIEW: PASS"; else echo "- c.txt: untested"; echo "REVIEW: FAIL missing tests"; fi',
        },
        { id: 'd-docs', title: 'Docs', prompt: 'Write the docs.', priority: 'P2' },
        {
          id: 'e-cap',
          title: 'Never good enough',
          prompt: 'Try.',
          reviewCmd: 'echo "REVIEW: FAIL still wrong"',
        },
        { id: 'f-final', title: 'Final', prompt: 'Wrap up.', dependsOn: ['c-tests'] },
        {
          id: 'g-hang',
          title: 'Hangs once',
          prompt: 'Hang the first time.',
          sandbox: 'none',
          agentCmd: `if [ -f ${markers}/g-hung ]; then ${WORK}; else touch ${markers}/g-hung; sleep 120; fi`,
        },
        {
          id: 'h-broken',
          title: 'Broken until fixed',
          prompt: 'Fail until a person fixes it.',
          sandbox: 'none',
          agentCmd: `[ -f ${markers}/h-fixed ] || exit 3; ${WORK}`,
        },
      ],
    });
    expect(await bed.ok(['apply', file, '--json'])).toMatchObject({
      name,
      created: true,
      added: expect.any(Array),
    });
    // Follow the ledger live over SSE until the last task is done.
    const live = readSse(`${server.url}/api/plans/${name}/events`, {
      headers: auth,
      until: (m) => m.event === 'task.done' && JSON.parse(m.data).task === 'h-broken',
      timeoutMs: 280_000,
    });

    let reworked = false;
    let beforeRetry: PlanEvent[] = [];
    const final = await bed.drive(name, {
      timeoutMs: 270_000,
      done: (v) =>
        beforeRetry.length > 0 && v.tasks.every((t) => t.status === (t.id === 'e-cap' ? 'blocked' : 'done')),
      decide: async (task: TaskView, view: PlanView) => {
        if (task.id === 'b-api' && task.status === 'needs_human' && !reworked) {
          await bed.ok(['rework', name, task.id, '--comment', 'Please also log the request id']);
          reworked = true;
          return true;
        }
        if (task.id === 'd-docs' && task.status === 'needs_human') {
          const res = await api(`/api/plans/${name}/tasks/d-docs/approve`, { method: 'POST' });
          expect(res.status).toBe(200);
          expect(await res.json()).toMatchObject({ id: 'd-docs', status: 'done' });
          return true;
        }
        const others = view.tasks.filter((t) => !['e-cap', 'h-broken'].includes(t.id));
        if (
          task.id === 'h-broken' &&
          task.status === 'blocked' &&
          beforeRetry.length === 0 &&
          others.every((t) => t.status === 'done')
        ) {
          beforeRetry = await bed.events(name);
          writeFileSync(join(markers, 'h-fixed'), '');
          await bed.ok(['retry', name, task.id]);
          return true;
        }
        return false;
      },
    });
    const events = await bed.events(name);
    const task = (id: string) => final.tasks.find((t) => t.id === id)!;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

    // Dependency order: a dependent's first executor run starts only after each dependency is done.
    for (const t of final.tasks) {
      const started = of(events, 'task.assigned', t.id).find((e) => e.data.role === 'executor')!.seq;
      for (const dep of t.dependsOn) expect(started).toBeGreaterThan(of(events, 'task.done', dep)[0]!.seq);
    }
    // Caps, from the ledger and from the jobs themselves: never above, and reached.
    const runs = final.tasks.flatMap((t) => t.runs);
    expect(peakFromLedger(events, 'executor')).toBe(2);
    expect(peakFromLedger(events, 'reviewer')).toBe(1);
    expect(peakFromJobs(runs, 'executor')).toBeLessThanOrEqual(2);
    expect(peakFromJobs(runs, 'reviewer')).toBeLessThanOrEqual(1);

    // FAIL → fix-up on the same branch with the findings (text after the verdict kept) → PASS → done.
    const cOutcomes = of(events, 'review.outcome', 'c-tests');
    expect(cOutcomes.map((e) => e.data.verdict)).toEqual(['FAIL', 'PASS']);
    expect(cOutcomes[0]!.data.findings).toBe('- c.txt: untested\nmissing tests');
    const cRuns = task('c-tests').runs;
    expect(cRuns.map((r) => `${r.role}:${r.purpose}`)).toEqual([
      'executor:start',
      'reviewer:review',
      'executor:review',
      'reviewer:review',
    ]);
    const fixJob = (await (await api(`/api/jobs/${cRuns[2]!.jobId}`)).json()) as { spec: { prompt: string } };
    expect(fixJob.spec.prompt).toContain('Its findings, verbatim:\n\n- c.txt: untested\nmissing tests');
    const cLog = await commitLog(repo.bareDir, 'drover/release/a-core..drover/release/c-tests');
    expect(cLog).toHaveLength(2);
    expect(Object.keys(await branchFiles(repo.bareDir, 'drover/release/c-tests')).sort()).toEqual(
      expect.arrayContaining(['c.txt', 'tests.txt', 'work.txt']),
    );
    expect(task('c-tests')).toMatchObject({ status: 'done', verdict: 'PASS', base: 'drover/release/a-core' });

    // Rework: the comment reaches an executor fix-up verbatim, then the reviewer runs again.
    const rework = of(events, 'task.rework', 'b-api')[0]!;
    expect(rework.data).toMatchObject({
      comment: 'Please also log the request id',
      from: 'needs_human',
      to: 'in_review',
    });
    expect(task('b-api').runs.map((r) => `${r.role}:${r.purpose}`)).toEqual([
      'executor:start',
      'reviewer:review',
      'executor:rework',
      'reviewer:review',
    ]);
    expect((await branchFiles(repo.bareDir, 'drover/release/b-api'))['rework.txt']).toBe('logged\n');

    // The cycle cap blocks for good: no automatic retry.
    expect(of(events, 'review.outcome', 'e-cap').map((e) => e.data.verdict)).toEqual(['FAIL', 'FAIL']);
    expect(of(events, 'task.cycle_cap', 'e-cap')).toHaveLength(1);
    expect(task('e-cap').blocked).toMatchObject({ classification: 'permanent', errorKind: 'cycle_cap' });
    expect(of(events, 'task.retry', 'e-cap')).toHaveLength(0);

    // The watchdog cancels the hung run (transient): retried after the cooldown, then it passes.
    expect(of(events, 'task.watchdog', 'g-hang')).toHaveLength(1);
    expect(task('g-hang').runs[0]).toMatchObject({
      role: 'executor',
      status: 'cancelled',
      errorKind: 'watchdog',
      classification: 'transient',
    });
    expect(of(events, 'task.retry', 'g-hang').length).toBeGreaterThanOrEqual(1);
    expect(task('g-hang').status).toBe('done');

    // The permanent failure waited for a person: never retried by the orchestrator (while g was).
    expect(of(beforeRetry, 'run.finished', 'h-broken')[0]!.data).toMatchObject({
      errorKind: 'agent_exit',
      classification: 'permanent',
    });
    expect(of(beforeRetry, 'task.retry', 'h-broken')).toHaveLength(0);
    expect(of(events, 'task.retry', 'h-broken')).toHaveLength(0);
    expect(of(events, 'task.ready', 'h-broken').at(-1)!.data).toMatchObject({
      by: 'person',
      from: 'blocked',
    });

    // Stacked: f starts from c's branch and holds c's work.
    expect(of(events, 'task.assigned', 'f-final')[0]!.data.base).toBe('drover/release/c-tests');
    expect(Object.keys(await branchFiles(repo.bareDir, 'drover/release/f-final'))).toEqual(
      expect.arrayContaining(['c.txt', 'tests.txt']),
    );

    // Every run is a job with its plan source; reviewer jobs carry their verdict in the job record.
    for (const t of final.tasks) {
      for (const run of t.runs) {
        const job = (await (await api(`/api/jobs/${run.jobId}`)).json()) as {
          source: unknown;
          status: string;
          verdict: string | null;
          spec: { mode?: string; sandbox?: string; branch?: string };
        };
        expect(job.source).toEqual({ intake: 'plan', plan: name, task: t.id, role: run.role });
        if (run.role === 'reviewer') {
          expect(job.spec).toMatchObject({
            mode: 'review',
            sandbox: ['g-hang', 'h-broken'].includes(t.id) ? 'none' : 'read-only',
          });
          if (job.status === 'succeeded') expect(job.verdict).toBe(run.verdict);
        } else {
          expect(job.spec).toMatchObject({ branch: `drover/release/${t.id}` });
          expect(job.spec.sandbox).toBe(['g-hang', 'h-broken'].includes(t.id) ? 'none' : 'workspace-write');
        }
      }
    }
    // The status shape (the --json contract).
    expect(task('a-core')).toMatchObject({
      id: 'a-core',
      status: 'done',
      dependsOn: [],
      branch: 'drover/release/a-core',
      prUrl: null,
    });
    expect(task('a-core').runs[0]).toEqual(
      expect.objectContaining({
        jobId: expect.any(String),
        role: 'executor',
        status: 'succeeded',
        verdict: null,
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
      }),
    );

    // The SSE stream carried the same events, in order, with their seq as id.
    const { messages } = await live;
    const streamed = messages.filter((m) => m.id !== undefined);
    expect(streamed.length).toBeGreaterThan(40);
    expect(streamed.map((m) => Number(m.id))).toEqual(events.slice(0, streamed.length).map((e) => e.seq));
    expect(streamed.every((m) => m.event === (JSON.parse(m.data) as PlanEvent).type)).toBe(true);
    expect(messages.some((m) => m.event === 'plan')).toBe(true);

    if (kind === 'redis') {
      const raw = new Redis(redis.url);
      expect(await raw.xlen(`main:plan:${name}:events`)).toBe(events.length);
      expect(await raw.hlen(`main:plan:${name}:runs`)).toBe(runs.length);
      raw.disconnect();
    }
  }, 300_000);

  it('plan apply adds tasks and updates those not started, never what runs; refuses cycles and dangling ids (exit 2)', async () => {
    const name = 'upd';
    const base = {
      name,
      repo: repo.bareDir,
      baseRef: 'main',
      defaults: { agentCmd: `sleep 2; ${WORK}`, reviewCmd: PASS },
      settings: { autoPromote: false },
    };
    const v1 = bed.writePlan('upd1', {
      ...base,
      tasks: [
        { id: 'x', title: 'X', prompt: 'x one' },
        { id: 'y', title: 'Y', prompt: 'y one' },
      ],
    });
    await bed.ok(['apply', v1]);
    expect((await bed.status(name)).tasks.map((t) => t.status)).toEqual(['backlog', 'backlog']);
    expect((await bed.ok(['promote', name, 'x', '--json'])) as TaskView).toMatchObject({ status: 'ready' });
    const running = await waitFor(
      async () => (await bed.status(name)).tasks.find((t) => t.id === 'x' && t.runs.length > 0),
      60_000,
      'x to start',
    );
    const v2 = bed.writePlan('upd2', {
      ...base,
      tasks: [
        { id: 'x', title: 'X', prompt: 'x two' },
        { id: 'y', title: 'Y', prompt: 'y two', priority: 'P0' },
        { id: 'z', title: 'Z', prompt: 'z', dependsOn: ['y'] },
      ],
    });
    const result = (await bed.ok(['apply', v2, '--json'])) as Record<string, unknown>;
    expect(result).toMatchObject({
      created: false,
      added: ['z'],
      updated: ['y'],
      skipped: [{ id: 'x', reason: expect.stringContaining('already started') }],
    });
    const job = (await (await api(`/api/jobs/${running.runs[0]!.jobId}`)).json()) as {
      spec: { prompt: string };
    };
    expect(job.spec.prompt).toContain('x one');
    // A file without y keeps y.
    const v3 = bed.writePlan('upd3', { ...base, tasks: [{ id: 'x', title: 'X', prompt: 'x one' }] });
    expect(await bed.ok(['apply', v3, '--json'])).toMatchObject({ kept: ['y', 'z'] });

    const cyclic = bed.writePlan('cyclic', {
      name: 'cyclic',
      repo: repo.bareDir,
      defaults: { agentCmd: WORK },
      tasks: [
        { id: 'one', title: '1', prompt: '1', dependsOn: ['three'] },
        { id: 'two', title: '2', prompt: '2', dependsOn: ['one'] },
        { id: 'three', title: '3', prompt: '3', dependsOn: ['two'] },
      ],
    });
    const refused = await bed.cli(['apply', cyclic]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'tasks: dependency cycle (→ means "depends on"): one → three → two → one',
    );
    const dangling = bed.writePlan('dangling', {
      name: 'dangling',
      repo: repo.bareDir,
      defaults: { agentCmd: WORK },
      tasks: [{ id: 'one', title: '1', prompt: '1', dependsOn: ['ghost'] }],
    });
    const refused2 = await bed.cli(['apply', dangling]);
    expect(refused2.code).toBe(2);
    expect(refused2.stderr).toContain('tasks.one.dependsOn: unknown task "ghost"');
    // A file is a whole plan: it cannot lean on tasks it does not list (nothing is changed).
    const v4 = bed.writePlan('upd4', {
      ...base,
      tasks: [{ id: 'y', title: 'Y', prompt: 'y two', dependsOn: ['z'] }],
    });
    const refused3 = await bed.cli(['apply', v4]);
    expect(refused3.code).toBe(2);
    expect(refused3.stderr).toContain('tasks.y.dependsOn: unknown task "z"');
    expect((await bed.status(name)).tasks.find((t) => t.id === 'y')?.dependsOn).toEqual([]);
    const names = ((await bed.ok(['list', '--json'])) as { plans: { name: string }[] }).plans.map(
      (p) => p.name,
    );
    expect(names).not.toContain('cyclic');
    expect(names).not.toContain('dangling');
    // A move the board does not allow is refused, naming it (exit 1), over the API too (409).
    const bad = await bed.cli(['approve', name, 'y']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Task y cannot move from backlog to done');
    const res = await api(`/api/plans/${name}/tasks/y/rework`, {
      method: 'POST',
      body: JSON.stringify({ comment: 'x' }),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'E_INVALID_MOVE' });
    await bed.ok(['pause', name]);
  }, 120_000);

  it('kill -9 of the process running the orchestrator: another takes over, no run is dispatched twice', async () => {
    const name = 'relay';
    const storeArgs =
      kind === 'sqlite'
        ? ['--data-dir', mkdtempSync(join(tmpdir(), 'drover-relay-'))]
        : ['--redis', redis.url, '--redis-prefix', 'relay:'];
    const relay = new PlanBed(kind, storeArgs);
    const a = await startServe({ args: ['--concurrency', '2', ...storeArgs], env: ENV });
    const work = mkdtempSync(join(tmpdir(), 'drover-relay-work-'));
    let b: ReturnType<typeof spawnDrover> | undefined;
    try {
      const t = (id: string, dependsOn: string[] = []) => ({ id, title: id, prompt: `do ${id}`, dependsOn });
      const file = relay.writePlan(name, {
        name,
        repo: repo.bareDir,
        baseRef: 'main',
        defaults: { agentCmd: `sleep 1.5; ${WORK}`, reviewCmd: PASS },
        settings: { maxExecutors: 2, maxReviewers: 2, readyBuffer: 2 },
        tasks: [t('r1'), t('r2'), t('r3', ['r1']), t('r4', ['r2']), t('r5', ['r3']), t('r6', ['r4'])],
      });
      await relay.ok(['apply', file]);
      // A holds the plan and one of its own workers runs a plan job.
      let victimJob = '';
      const victim = await waitFor(
        async () => {
          const holder = (await relay.status(name)).orchestrator;
          if (!holder) return undefined;
          const listed = await runDrover(['list', '--json', '--status', 'running', ...storeArgs]);
          const mine = (JSON.parse(listed.stdout) as { jobs: { id: string; runnerId: string }[] }).jobs.find(
            (j) => j.runnerId === holder.holder,
          );
          if (mine) victimJob = mine.id;
          return mine ? holder : undefined;
        },
        60_000,
        'A to hold the plan and run one of its jobs',
      );
      // B, a worker with its own orchestrator, starts; A dies without a chance to clean up.
      b = spawnDrover(['worker', '--concurrency', '2', ...storeArgs], {
        env: { ...ENV, DROVER_WORK_DIR: work },
        timeoutMs: 300_000,
      });
      process.kill(victim.pid, 'SIGKILL');
      const final = await relay.drive(name, {
        timeoutMs: 200_000,
        done: (v) => v.tasks.every((x) => x.status === 'done'),
      });
      const events = await relay.events(name);
      const acquired = of(events, 'orchestrator.acquired');
      expect(acquired.length).toBeGreaterThanOrEqual(2);
      expect(acquired[0]!.data.pid).toBe(victim.pid);
      expect(acquired.at(-1)!.data.pid).toBe(b.child.pid);
      // One executor and one reviewer run per task: nothing was dispatched twice.
      const runs = final.tasks.flatMap((x) => x.runs);
      expect(final.tasks.map((x) => x.runs.map((r) => r.role))).toEqual(
        final.tasks.map(() => ['executor', 'reviewer']),
      );
      const assigned = of(events, 'task.assigned').map((e) => String(e.data.jobId));
      expect(new Set(assigned).size).toBe(assigned.length);
      expect([...assigned].sort()).toEqual(runs.map((r) => r.jobId).sort());
      // The job store holds exactly those jobs for the plan; the one A was running was finished by B.
      const listed = await runDrover(['list', '--json', '--limit', '500', ...storeArgs]);
      const planJobs = (
        JSON.parse(listed.stdout) as {
          jobs: { id: string; source: { plan?: string } | null; attempts: number; status: string }[];
        }
      ).jobs.filter((j) => j.source?.plan === name);
      expect(planJobs.map((j) => j.id).sort()).toEqual(runs.map((r) => r.jobId).sort());
      expect(planJobs.every((j) => j.status === 'succeeded')).toBe(true);
      expect(planJobs.find((j) => j.id === victimJob)?.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      b?.child.kill('SIGTERM');
      await b?.done;
      await a.stop();
      relay.cleanup();
      rmSync(work, { recursive: true, force: true });
      if (kind === 'sqlite') rmSync(storeArgs[1]!, { recursive: true, force: true });
    }
  }, 300_000);
});
