import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { applyPlan } from '../plans/applyPlan.js';
import { describeEvent } from '../plans/describeEvent.js';
import type { PlanEvent } from '../plans/PlanEvent.js';
import { MAX_PLAN_BYTES, parsePlan, parsePlanText } from '../plans/parsePlan.js';
import { approveTask, promoteTask, retryTask, reworkTask, setPaused } from '../plans/planActions.js';
import { planSummary, planView, type TaskView } from '../plans/planView.js';
import type { PlanStore } from '../plans/types.js';
import { sleep } from '../util/sleep.js';
import { configFromFlags } from './configFromFlags.js';
import { EXIT } from './exitCodes.js';
import { registerPlanKickoff } from './planKickoff.js';
import { openPlansFromFlags } from './planStores.js';
import { addStoreOptions, type StoreFlags } from './storeOptions.js';

interface JsonFlags extends StoreFlags {
  json?: boolean;
}

/** `drover plan <sub>`: plans of dependent tasks, their board and their ledger. */
export function registerPlan(program: Command): void {
  const plan = program
    .command('plan')
    .description('plans: many dependent tasks run as executor and reviewer jobs, approved by a person');

  addStoreOptions(
    plan
      .command('apply <file>')
      .description('create or update a plan from a YAML or JSON file (nothing running is disturbed)')
      .option('--json', 'print what changed as JSON'),
  ).action(async (file: string, flags: JsonFlags) => {
    const input = await readPlanFile(file);
    const config = configFromFlags(flags);
    await withPlans(flags, async (plans) => {
      const result = await applyPlan(plans, input, specResolver(config.repoDefaults));
      if (flags.json) return print(result);
      const lines = [`Plan ${result.name} ${result.created ? 'created' : 'updated'}`];
      if (result.added.length) lines.push(`  added: ${result.added.join(', ')}`);
      if (result.updated.length) lines.push(`  updated: ${result.updated.join(', ')}`);
      for (const s of result.skipped) lines.push(`  not changed: ${s.id}: ${s.reason}`);
      if (result.kept.length) lines.push(`  not in the file (kept): ${result.kept.join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  });

  addStoreOptions(plan.command('list').description('list plans').option('--json', 'print as JSON')).action(
    async (flags: JsonFlags) => {
      await withPlans(flags, async (plans) => {
        const summaries = (await plans.list()).map(planSummary);
        if (flags.json) return print({ plans: summaries });
        for (const s of summaries) {
          const counts = Object.entries(s.counts)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ');
          process.stdout.write(`${s.name.padEnd(24)} ${s.status.padEnd(7)} ${counts}  ${s.repo}\n`);
        }
      });
    },
  );

  addStoreOptions(
    plan
      .command('status <plan>')
      .description('show a plan’s tasks and runs')
      .option('--json', 'print as JSON'),
  ).action(async (name: string, flags: JsonFlags) => {
    await withPlans(flags, async (plans) => {
      const state = await plans.get(name);
      if (!state) throw new NotFoundError(`No plan named ${name}.`);
      const view = planView(state, await plans.leaseHolder(name));
      if (flags.json) return print(view);
      const lines = [
        `${view.name}  ${view.status}  ${view.repo}${view.baseRef ? ` @ ${view.baseRef}` : ''}`,
        `orchestrator: ${view.orchestrator ? `${view.orchestrator.holder} (pid ${view.orchestrator.pid})` : 'none'}`,
        ...view.tasks.map(taskLine),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  });

  const taskActions: [
    string,
    string,
    (plans: PlanStore, plan: string, task: string, flags: { comment?: string }) => Promise<TaskView>,
  ][] = [
    ['approve', 'approve a task the reviewer passed (needs_human → done)', (p, n, t) => approveTask(p, n, t)],
    ['retry', 'retry a blocked task (blocked → ready)', (p, n, t) => retryTask(p, n, t)],
    ['promote', 'promote a backlog task whose dependencies are done', (p, n, t) => promoteTask(p, n, t)],
    [
      'rework',
      'ask for rework (needs_human → in_review): the executor fixes up the branch, the reviewer runs again',
      (p, n, t, f) => reworkTask(p, n, t, f.comment),
    ],
  ];
  for (const [sub, description, act] of taskActions) {
    const cmd = plan
      .command(`${sub} <plan> <task>`)
      .description(description)
      .option('--json', 'print the task as JSON');
    if (sub === 'rework')
      cmd.requiredOption('--comment <text>', 'what to change (given to the executor verbatim)');
    addStoreOptions(cmd).action(
      async (name: string, task: string, flags: JsonFlags & { comment?: string }) => {
        await withPlans(flags, async (plans) => {
          const view = await act(plans, name, task, flags);
          if (flags.json) return print(view);
          process.stdout.write(`${taskLine(view)}\n`);
        });
      },
    );
  }

  for (const [sub, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    addStoreOptions(
      plan
        .command(`${sub} <plan>`)
        .description(paused ? 'start no new runs (runs in flight finish)' : 'start runs again'),
    ).action(async (name: string, flags: StoreFlags) => {
      await withPlans(flags, async (plans) => {
        await setPaused(plans, name, paused);
        process.stdout.write(`Plan ${name} ${paused ? 'paused' : 'resumed'}\n`);
      });
    });
  }

  addStoreOptions(
    plan
      .command('events <plan>')
      .description('the plan’s ledger events, in order')
      .option('-f, --follow', 'keep printing new events (until the plan is done, or Ctrl-C)')
      .option('--after <seq>', 'only events after this sequence number', '0')
      .option('--json', 'one JSON object per line'),
  ).action(async (name: string, flags: JsonFlags & { follow?: boolean; after: string }) => {
    const after = Number(flags.after);
    if (!Number.isInteger(after) || after < 0) {
      throw new InvalidInputError('--after: must be a whole number', [
        { path: '--after', message: 'must be a whole number' },
      ]);
    }
    await withPlans(flags, async (plans) => {
      if (!(await plans.get(name))) throw new NotFoundError(`No plan named ${name}.`);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await printEvents(plans, name, after, flags, controller.signal);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
  });

  registerPlanKickoff(plan);
}

async function printEvents(
  plans: PlanStore,
  name: string,
  from: number,
  flags: { json?: boolean; follow?: boolean },
  signal: AbortSignal,
): Promise<void> {
  let after = from;
  for (;;) {
    const page = await plans.events(name, after, 500);
    for (const e of page) {
      process.stdout.write(flags.json ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`);
      after = e.seq;
    }
    if (page.length === 500) continue;
    if (!flags.follow || signal.aborted) return;
    if (page.some((e) => e.type === 'plan.done')) return;
    await sleep(500, signal);
    if (signal.aborted) return;
  }
}

function eventLine(e: PlanEvent): string {
  return `${String(e.seq).padStart(5)} ${e.ts} ${e.type.padEnd(21)} ${(e.task ?? '').padEnd(20)} ${describeEvent(e)}`;
}

function taskLine(t: TaskView): string {
  const parts = [
    t.id.padEnd(20),
    t.status.padEnd(11),
    t.dependsOn.length ? `after ${t.dependsOn.join(',')}` : '',
    t.verdict ?? '',
    t.prUrl ?? t.branch,
    t.costUsd !== null ? `$${t.costUsd.toFixed(4)}` : '',
    t.blocked ? `blocked: ${t.blocked.errorKind}` : '',
    t.waiting ?? '',
  ];
  return parts.filter(Boolean).join('  ');
}

async function withPlans(flags: StoreFlags, fn: (plans: PlanStore) => Promise<void>): Promise<void> {
  const plans = await openPlansFromFlags(flags);
  try {
    await fn(plans);
    process.exitCode = EXIT.ok;
  } finally {
    await plans.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Reads and validates a plan file; a relative local `repo` is taken relative to the file. */
async function readPlanFile(file: string) {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_PLAN_BYTES) {
      throw new InvalidInputError(`${file}: larger than ${MAX_PLAN_BYTES / 1024} KiB`, [
        { path: 'file', message: `larger than ${MAX_PLAN_BYTES / 1024} KiB` },
      ]);
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    const message = `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`;
    throw new InvalidInputError(message, [{ path: 'file', message }]);
  }
  const data = parsePlanText(text, file);
  const repo = (data as { repo?: unknown } | null)?.repo;
  if (typeof repo === 'string' && isLocalRelative(repo))
    (data as { repo: string }).repo = resolve(dirname(file), repo);
  return parsePlan(data);
}

function isLocalRelative(repo: string): boolean {
  return (
    !/^[a-z][a-z0-9+.-]*:/i.test(repo) &&
    !/^[^/]+@[^/]+:/.test(repo) &&
    !repo.startsWith('-') &&
    !isAbsolute(repo)
  );
}
