import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimJob } from '../../test/support/claimJob.js';
import { type BareRepo, createBareRepo, gitIn, hermeticGitEnv, runGit } from '../../test/support/gitRepos.js';
import { InvalidMoveError } from '../errors.js';
import type { JobOutcome } from '../jobs/JobRecord.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { applyPlan } from './applyPlan.js';
import { GitBranchInspector } from './GitBranchInspector.js';
import { mutatePlan } from './mutatePlan.js';
import { type OrchestratorDeps, tickPlan } from './Orchestrator.js';
import { dispatchingRun, type PlanState } from './PlanState.js';
import { parsePlan } from './parsePlan.js';
import { approveTask, retryTask, reworkTask, setPaused } from './planActions.js';
import { SqlitePlanStore } from './SqlitePlanStore.js';

// The orchestrator against the real embedded stores and a real bare repo; the test plays the
// workers by claiming the dispatched jobs and finishing them with chosen outcomes.

let repo: BareRepo;
let root: string;
let dir: string;
let deps: OrchestratorDeps;
let jobs: SqliteStore;
let plans: SqlitePlanStore;

beforeAll(async () => {
  repo = await createBareRepo();
  root = mkdtempSync(join(tmpdir(), 'drover-orch-'));
});
afterAll(async () => {
  await repo?.cleanup();
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
beforeEach(() => {
  dir = join(root, `t${++n}`);
  jobs = new SqliteStore(join(dir, 'drover.db'));
  plans = new SqlitePlanStore(join(dir, 'drover.db'));
  deps = {
    jobs,
    plans,
    resolveSpec: specResolver([]),
    inspector: new GitBranchInspector({ dir: join(dir, 'git'), username: 'x', env: hermeticGitEnv() }),
    logger: pino({ level: 'silent' }),
  };
});
afterEach(async () => {
  await jobs.close();
  await plans.close();
});

const task = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: `Task ${id}`,
  prompt: `Do ${id}.`,
  ...extra,
});
async function apply(settings: Record<string, unknown>, tasks: Record<string, unknown>[], name = 'p') {
  return applyPlan(
    plans,
    parsePlan({
      name,
      repo: repo.bareDir,
      baseRef: 'main',
      defaults: { agentCmd: 'true', reviewCmd: 'echo REVIEW: PASS' },
      settings,
      tasks,
    }),
    specResolver([]),
  );
}
const get = async (name = 'p') => (await plans.get(name))!;
const statusOf = (plan: PlanState) => Object.fromEntries(plan.tasks.map((t) => [t.id, t.status]));
const events = async (name = 'p') => plans.events(name, 0, 10_000);
const active = (plan: PlanState, taskId: string) => plan.runs.filter((r) => r.task === taskId).at(-1)!;

/** Plays a worker: claims the job and ends it with `outcome`. */
async function finish(jobId: string, outcome: JobOutcome) {
  const lease = await claimJob(jobs, jobId, { runnerId: 'w' });
  expect(lease, `job ${jobId} is queued`).toBeDefined();
  expect(await lease!.finish(outcome)).toBe(true);
}
const lastRun = async (taskId: string) => active(await get(), taskId);

describe('plan orchestrator', () => {
  it('keeps the ready buffer, dispatches within the executor cap, and records each run before its job', async () => {
    await apply({ maxExecutors: 2, readyBuffer: 1 }, [
      task('a'),
      task('b'),
      task('c', { priority: 'P0' }),
      task('d'),
    ]);
    await tickPlan(deps, 'p');
    const plan = await get();
    // P0 first; then file order. Two executors, one more ready.
    expect(statusOf(plan)).toEqual({ a: 'in_progress', b: 'ready', c: 'in_progress', d: 'backlog' });
    const queued = (await jobs.list()).jobs;
    expect(queued).toHaveLength(2);
    for (const job of queued) {
      const run = plan.runs.find((r) => r.jobId === job.id)!;
      expect(job.source).toEqual({ intake: 'plan', plan: 'p', task: run.task, role: 'executor' });
      expect(job).toMatchObject({ status: 'queued', branch: `drover/p/${run.task}`, baseRef: 'main' });
      expect(job.spec).toMatchObject({ sandbox: 'workspace-write', agent: 'command', agentCmd: 'true' });
      expect(job.spec.prompt.split('\n')[0]).toBe(`Task ${run.task}`);
      expect(job.spec.review).toBeUndefined();
    }
    // A second pass changes nothing: nothing new can start.
    await tickPlan(deps, 'p');
    expect((await jobs.list()).jobs).toHaveLength(2);
    expect((await get()).runs.every((r) => r.status === 'queued' && r.spec === undefined)).toBe(true);
  });

  it('enqueues a run recorded before a crash exactly once, under its recorded id', async () => {
    await apply({ maxExecutors: 1 }, [task('a'), task('b')]);
    // What a pass leaves when its process dies between saving the dispatch and enqueueing the job.
    const spec = {
      repo: repo.bareDir,
      prompt: 'Task a',
      agent: 'command',
      agentCmd: 'true',
      branch: 'drover/p/a',
    };
    await mutatePlan(plans, 'p', (plan, emit) => {
      const a = plan.tasks.find((t) => t.id === 'a')!;
      plan.tasks.find((t) => t.id === 'a')!.status = 'ready';
      a.status = 'in_progress';
      a.runSeq = 1;
      plan.runs.push(dispatchingRun({ jobId: 'crashrun0001', task: 'a', role: 'executor', seq: 1, spec }));
      emit({ type: 'task.assigned', task: 'a', data: { jobId: 'crashrun0001', role: 'executor' } });
    });
    await tickPlan(deps, 'p');
    await tickPlan(deps, 'p');
    const all = (await jobs.list()).jobs;
    expect(all.map((j) => j.id)).toEqual(['crashrun0001']);
    expect(all[0]?.source).toMatchObject({ plan: 'p', task: 'a', role: 'executor' });
    const plan = await get();
    expect(plan.runs).toHaveLength(1);
    expect(plan.runs[0]).toMatchObject({ status: 'queued' });
    expect(plan.runs[0]?.spec).toBeUndefined();
  });

  it('FAIL → fix-up with the findings verbatim → PASS → needs_human → approve → done; rework; dependents stack', async () => {
    await apply({ maxReviewers: 1 }, [task('a'), task('b', { dependsOn: ['a'] })]);
    await tickPlan(deps, 'p');
    const exec1 = await lastRun('a');
    expect(statusOf(await get())).toEqual({ a: 'in_progress', b: 'backlog' });
    // The executor's work exists on the remote as a real branch.
    await pushBranch('drover/p/a', 'a.txt');
    await finish(exec1.jobId, { status: 'succeeded', commit: 'c1' });
    await tickPlan(deps, 'p');
    const review1 = await lastRun('a');
    expect(review1.role).toBe('reviewer');
    const reviewJob = (await jobs.get(review1.jobId))!;
    expect(reviewJob.spec).toMatchObject({
      mode: 'review',
      branch: 'drover/p/a',
      baseRef: 'main',
      sandbox: 'read-only',
      agent: 'command',
      agentCmd: 'echo REVIEW: PASS',
    });
    expect(statusOf(await get()).a).toBe('in_review');

    await finish(review1.jobId, {
      status: 'succeeded',
      verdict: 'FAIL',
      findings: '- a.txt:1: missing tests\nadd them',
    });
    await tickPlan(deps, 'p');
    const fix = await lastRun('a');
    expect(fix).toMatchObject({ role: 'executor', purpose: 'review' });
    expect(statusOf(await get()).a).toBe('in_progress');
    const fixJob = (await jobs.get(fix.jobId))!;
    expect(fixJob.spec.prompt).toContain('- a.txt:1: missing tests\nadd them');
    expect(fixJob.spec).toMatchObject({ branch: 'drover/p/a' });
    expect(fixJob.spec.resetBranch).toBeUndefined();

    await finish(fix.jobId, { status: 'succeeded', commit: 'c2' });
    await tickPlan(deps, 'p');
    await finish((await lastRun('a')).jobId, { status: 'succeeded', verdict: 'PASS', findings: '' });
    await tickPlan(deps, 'p');
    expect(statusOf(await get()).a).toBe('needs_human');
    await expect(approveTask(plans, 'p', 'b')).rejects.toBeInstanceOf(InvalidMoveError);

    // Rework: the comment goes to an executor fix-up, then a reviewer again.
    await reworkTask(plans, 'p', 'a', 'Please rename the file.');
    expect(statusOf(await get()).a).toBe('in_review');
    await tickPlan(deps, 'p');
    const rework = await lastRun('a');
    expect(rework).toMatchObject({ role: 'executor', purpose: 'rework' });
    expect((await jobs.get(rework.jobId))!.spec.prompt).toContain(
      'Their comment, verbatim:\n\nPlease rename the file.',
    );
    await finish(rework.jobId, { status: 'succeeded', commit: 'c3' });
    await tickPlan(deps, 'p');
    await finish((await lastRun('a')).jobId, { status: 'succeeded', verdict: 'PASS' });
    await tickPlan(deps, 'p');
    expect((await approveTask(plans, 'p', 'a')).status).toBe('done');

    // b's dependency is done but not merged: b starts from a's branch.
    await tickPlan(deps, 'p');
    await tickPlan(deps, 'p');
    const bRun = await lastRun('b');
    expect((await jobs.get(bRun.jobId))!.spec.baseRef).toBe('drover/p/a');
    expect((await get()).tasks.find((t) => t.id === 'b')?.base).toBe('drover/p/a');

    const types = (await events()).map((e) => `${e.type}${e.task ? `:${e.task}` : ''}`);
    expect(types.filter((t) => t.endsWith(':a') && !t.startsWith('run.'))).toEqual([
      'task.created:a',
      'task.ready:a',
      'task.assigned:a',
      'task.assigned:a',
      'review.outcome:a',
      'task.assigned:a',
      'task.assigned:a',
      'review.outcome:a',
      'task.rework:a',
      'task.assigned:a',
      'task.assigned:a',
      'review.outcome:a',
      'task.done:a',
    ]);
    // b became ready only after a was done.
    expect(types.indexOf('task.ready:b')).toBeGreaterThan(types.indexOf('task.done:a'));
  });

  it('a dependency merged into the base is not stacked on; two unmerged ones on separate branches wait', async () => {
    await apply({ maxExecutors: 3 }, [task('x'), task('y'), task('z', { dependsOn: ['x', 'y'] })], 'm');
    await tickPlan(deps, 'm');
    for (const id of ['x', 'y']) {
      await pushBranch(`drover/m/${id}`, `${id}.txt`);
      await finish(active(await get('m'), id).jobId, { status: 'succeeded', commit: id });
      await tickPlan(deps, 'm');
      await finish(active(await get('m'), id).jobId, { status: 'succeeded', verdict: 'PASS' });
      await tickPlan(deps, 'm');
      await approveTask(plans, 'm', id);
    }
    await tickPlan(deps, 'm');
    await tickPlan(deps, 'm');
    let z = (await get('m')).tasks.find((t) => t.id === 'z')!;
    expect(z.status).toBe('ready');
    expect(z.waiting).toContain('x, y are done but not merged');
    // A person merges x into main: z stacks on y alone.
    await gitIn(repo.bareDir, 'update-ref', 'refs/heads/main', 'refs/heads/drover/m/x');
    await tickPlan(deps, 'm');
    z = (await get('m')).tasks.find((t) => t.id === 'z')!;
    expect(z).toMatchObject({ status: 'in_progress', base: 'drover/m/y', waiting: null });
  });

  it('blocks at the cycle cap for good, retries transient failures after the cooldown, never permanent ones', async () => {
    await apply({ reviewCycles: 2, retryCooldown: '1s', maxExecutors: 3 }, [
      task('cap'),
      task('flaky'),
      task('broken'),
    ]);
    await tickPlan(deps, 'p');
    await finish((await lastRun('flaky')).jobId, {
      status: 'failed',
      errorKind: 'clone_failed',
      errorMessage: 'network',
    });
    await finish((await lastRun('broken')).jobId, {
      status: 'failed',
      errorKind: 'agent_exit',
      errorMessage: 'exit 3',
    });
    await pushBranch('drover/p/cap', 'cap.txt');
    for (let cycle = 1; cycle <= 2; cycle++) {
      await finish((await lastRun('cap')).jobId, { status: 'succeeded', commit: `c${cycle}` });
      await tickPlan(deps, 'p');
      await finish((await lastRun('cap')).jobId, {
        status: 'succeeded',
        verdict: 'FAIL',
        findings: 'still wrong',
      });
      await tickPlan(deps, 'p');
    }
    let plan = await get();
    expect(statusOf(plan)).toEqual({ cap: 'blocked', flaky: 'blocked', broken: 'blocked' });
    expect(plan.tasks.find((t) => t.id === 'cap')!.blocked).toMatchObject({
      classification: 'permanent',
      errorKind: 'cycle_cap',
    });
    expect(plan.tasks.find((t) => t.id === 'flaky')!.blocked).toMatchObject({
      classification: 'transient',
      errorKind: 'clone_failed',
    });
    expect(plan.runs.find((r) => r.task === 'broken')).toMatchObject({
      classification: 'permanent',
      errorKind: 'agent_exit',
    });

    await new Promise((r) => setTimeout(r, 1200));
    await tickPlan(deps, 'p');
    plan = await get();
    expect(statusOf(plan)).toEqual({ cap: 'blocked', flaky: 'in_progress', broken: 'blocked' });
    expect(plan.tasks.find((t) => t.id === 'flaky')!.retries).toBe(1);
    const types = (await events()).map((e) => e.type);
    expect(types.filter((t) => t === 'task.retry')).toHaveLength(1);
    expect(types.filter((t) => t === 'task.cycle_cap')).toHaveLength(1);

    // A person retries the capped task: its executor gets the last findings.
    await retryTask(plans, 'p', 'cap');
    await tickPlan(deps, 'p');
    const retried = await lastRun('cap');
    expect(retried).toMatchObject({ role: 'executor', purpose: 'review' });
    expect((await jobs.get(retried.jobId))!.spec.prompt).toContain('still wrong');
    await expect(retryTask(plans, 'p', 'cap')).rejects.toThrow(
      'Task cap cannot move from in_progress to ready',
    );
  });

  it('the watchdog cancels a run that runs too long and blocks its task (transient); a reviewer stalls once before blocking', async () => {
    await apply({ watchdog: '1s', retryCooldown: '1h' }, [task('hang'), task('rev')]);
    await tickPlan(deps, 'p');
    const hang = await lastRun('hang');
    const lease = (await claimJob(jobs, hang.jobId, { runnerId: 'w' }))!;
    await new Promise((r) => setTimeout(r, 1200));
    await tickPlan(deps, 'p');
    let plan = await get();
    expect(plan.tasks.find((t) => t.id === 'hang')!).toMatchObject({
      status: 'blocked',
      blocked: { classification: 'transient', errorKind: 'watchdog' },
    });
    expect((await jobs.get(hang.jobId))!.cancelRequested).toBe(true);
    // Its slot stays taken until the job really ended.
    expect(plan.runs.find((r) => r.jobId === hang.jobId)!.status).toBe('running');
    await lease.finish({ status: 'cancelled', errorKind: 'cancelled' });
    await tickPlan(deps, 'p');
    plan = await get();
    expect(plan.runs.find((r) => r.jobId === hang.jobId)).toMatchObject({
      status: 'cancelled',
      classification: 'transient',
      errorKind: 'watchdog',
    });

    await pushBranch('drover/p/rev', 'rev.txt');
    await finish((await lastRun('rev')).jobId, { status: 'succeeded', commit: 'r1' });
    await tickPlan(deps, 'p');
    await finish((await lastRun('rev')).jobId, {
      status: 'failed',
      errorKind: 'setup',
      errorMessage: 'boom',
    });
    await tickPlan(deps, 'p');
    expect((await lastRun('rev')).role).toBe('reviewer'); // dispatched once more
    expect(statusOf(await get()).rev).toBe('in_review');
    await finish((await lastRun('rev')).jobId, {
      status: 'failed',
      errorKind: 'setup',
      errorMessage: 'boom',
    });
    await tickPlan(deps, 'p');
    expect((await get()).tasks.find((t) => t.id === 'rev')!).toMatchObject({
      status: 'blocked',
      blocked: { errorKind: 'setup' },
    });
    expect((await events()).filter((e) => e.type === 'review.stalled')).toHaveLength(2);
    expect((await events()).filter((e) => e.type === 'task.watchdog')).toHaveLength(1);
  });

  it('a paused plan starts nothing; resumed, it goes on', async () => {
    await apply({}, [task('a')]);
    await setPaused(plans, 'p', true);
    await tickPlan(deps, 'p');
    expect(statusOf(await get())).toEqual({ a: 'backlog' });
    expect((await jobs.list()).jobs).toHaveLength(0);
    await setPaused(plans, 'p', false);
    await tickPlan(deps, 'p');
    expect(statusOf(await get())).toEqual({ a: 'in_progress' });
  });
});

/** Puts a commit with `file` on `branch` of the bare repo (what the task's executor would have pushed). */
async function pushBranch(branch: string, file: string) {
  const work = mkdtempSync(join(root, 'clone-'));
  await runGit(['clone', '-q', repo.bareDir, work]);
  await runGit(['checkout', '-q', '-b', branch], { cwd: work });
  await runGit(['commit', '-q', '--allow-empty', '-m', file], { cwd: work });
  await runGit(['push', '-q', 'origin', `HEAD:refs/heads/${branch}`], { cwd: work });
  rmSync(work, { recursive: true, force: true });
}
