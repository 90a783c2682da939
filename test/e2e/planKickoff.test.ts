import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type ServeHandle, startServe } from '../support/droverServer.js';
import { type BareRepo, createBareRepo } from '../support/gitRepos.js';
import { auth } from '../support/planBed.js';

// `drover plan kickoff` with a scripted planner (a command agent printing JSON): a valid plan, an
// invalid one regenerated once with its problems, one invalid twice, --dry-run, and the API route.

const VALID = JSON.stringify({
  name: 'dates',
  tasks: [
    {
      id: 'parse',
      title: 'Parse',
      prompt: 'Parse ISO dates',
      priority: 'P0',
      acceptance: ['2024-01-01 parses'],
    },
    { id: 'leap', title: 'Leap years', prompt: 'Handle Feb 29', dependsOn: ['parse'] },
  ],
});
const CYCLIC = JSON.stringify({
  tasks: [
    { id: 'a', title: 'A', prompt: 'a', dependsOn: ['b'] },
    { id: 'b', title: 'B', prompt: 'b', dependsOn: ['a'] },
  ],
});
// The planner may propose tasks only: a job field is refused like a cycle.
const SNEAKY = JSON.stringify({ tasks: [{ id: 'a', title: 'A', prompt: 'a', sandbox: 'none' }] });
const answer = (json: string) => `printf 'Here is the plan.\\n\`\`\`json\\n%s\\n\`\`\`\\n' '${json}'`;

let repo: BareRepo;
let dataDir: string;
beforeAll(async () => {
  repo = await createBareRepo();
  dataDir = mkdtempSync(join(tmpdir(), 'drover-kickoff-'));
});
afterAll(async () => {
  await repo?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

const kickoff = (...args: string[]) =>
  runDrover(['plan', 'kickoff', '--repo', repo.bareDir, '--base', 'main', '--data-dir', dataDir, ...args], {
    env: { DROVER_WORK_DIR: join(dataDir, 'work') },
  });
const plans = async () =>
  (
    JSON.parse((await runDrover(['plan', 'list', '--json', '--data-dir', dataDir])).stdout) as {
      plans: { name: string }[];
    }
  ).plans.map((p) => p.name);
const job = async (id: string) =>
  JSON.parse((await runDrover(['status', id, '--json', '--data-dir', dataDir])).stdout);
const plannerJobs = async () =>
  (
    JSON.parse((await runDrover(['list', '--json', '--data-dir', dataDir])).stdout) as {
      jobs: { id: string; source: { role?: string } }[];
    }
  ).jobs
    .filter((j) => j.source?.role === 'planner')
    .map((j) => j.id);

describe('plan kickoff', () => {
  it('--dry-run prints the validated plan and creates nothing; the planner ran read-only', async () => {
    const res = await kickoff(
      '--goal',
      'Fix our date handling',
      '--agent-cmd',
      answer(VALID),
      '--dry-run',
      '--json',
    );
    expect(res.code, res.stderr).toBe(0);
    const plan = JSON.parse(res.stdout);
    expect(plan).toMatchObject({
      name: 'dates',
      repo: repo.bareDir,
      baseRef: 'main',
      defaults: { agent: 'command' },
      tasks: [
        { id: 'parse', priority: 'P0', dependsOn: [], acceptance: ['2024-01-01 parses'] },
        { id: 'leap', priority: 'P1', dependsOn: ['parse'] },
      ],
    });
    expect(plan.settings.maxExecutors).toBe(3);
    expect(await plans()).toEqual([]);
    const [id] = await plannerJobs();
    expect(await job(id!)).toMatchObject({
      status: 'succeeded',
      source: { intake: 'plan', role: 'planner' },
      spec: { sandbox: 'read-only', push: false, allowNoChanges: true, verify: [] },
    });
    expect((await job(id!)).spec.prompt).toContain('Fix our date handling');
  });

  it('an invalid (cyclic) plan is regenerated once with its problems, then created', async () => {
    const planner = `if printf %s "$DROVER_PROMPT" | grep -q "was not a valid plan"; then ${answer(VALID)}; else ${answer(CYCLIC)}; fi`;
    const res = await kickoff(
      '--goal',
      'Dates again',
      '--name',
      'dates-two',
      '--agent-cmd',
      'true',
      '--planner-cmd',
      planner,
      '--json',
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('regenerating: the first plan was invalid');
    const out = JSON.parse(res.stdout);
    expect(out.apply).toMatchObject({ name: 'dates-two', created: true, added: ['parse', 'leap'] });
    expect(out.plan.defaults).toEqual({ agent: 'command', agentCmd: 'true' });
    expect(await plans()).toContain('dates-two');
    const [second] = await plannerJobs();
    expect((await job(second!)).spec.prompt).toContain('dependency cycle (→ means "depends on"): a → b → a');
  });

  it('a planner that is wrong twice fails, naming the problems; nothing is created', async () => {
    const res = await kickoff('--goal', 'Sneak', '--name', 'sneaky', '--agent-cmd', answer(SNEAKY));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('The planner did not propose a valid plan in two answers');
    expect(res.stderr).toContain('tasks.a.sandbox: unknown field');
    expect(await plans()).not.toContain('sneaky');
    const bad = await kickoff('--agent-cmd', 'true');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('goal: give either --goal or --goal-file');
  });

  it('POST /api/plans/kickoff runs the planner on the server’s workers', async () => {
    let server: ServeHandle | undefined;
    try {
      server = await startServe({ args: ['--concurrency', '1'] });
      const post = (body: unknown) =>
        fetch(`${server!.url}/api/plans/kickoff`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const body = {
        repo: repo.bareDir,
        baseRef: 'main',
        goal: 'Dates over HTTP',
        defaults: { agentCmd: 'true' },
        planner: { agent: 'command', agentCmd: answer(VALID) },
      };
      const dry = await post({ ...body, dryRun: true });
      expect(dry.status).toBe(200);
      expect(await dry.json()).toMatchObject({
        plan: { name: 'dates', tasks: [{ id: 'parse' }, { id: 'leap' }] },
      });
      const created = await post({ ...body, name: 'dates-http' });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ apply: { name: 'dates-http', created: true } });
      const view = await fetch(`${server.url}/api/plans/dates-http`, { headers: auth });
      expect(await view.json()).toMatchObject({
        name: 'dates-http',
        tasks: [{ id: 'parse' }, { id: 'leap' }],
      });
      const refused = await post({ ...body, planner: { agent: 'command', agentCmd: answer(CYCLIC) } });
      expect(refused.status).toBe(422);
      expect(await refused.json()).toMatchObject({ code: 'E_PLANNER' });
      const invalid = await post({ repo: repo.bareDir, goal: '' });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({
        issues: [{ path: 'goal', message: 'must not be empty' }],
      });
    } finally {
      await server?.stop();
    }
  });
});
