import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DroverResult, runDrover } from './drover.js';
import { TEST_TOKEN } from './droverServer.js';
import { waitFor } from './processes.js';

// Shared by the plan end-to-end tests: one backend's store flags, the `drover plan` CLI on them, and
// readers of the ledger and the plan's status.

export interface PlanEvent {
  seq: number;
  ts: string;
  type: string;
  task: string | null;
  data: Record<string, unknown>;
}

export interface RunView {
  jobId: string;
  role: 'executor' | 'reviewer';
  status: string;
  verdict: string | null;
  purpose: string;
  classification: string | null;
  errorKind: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface TaskView {
  id: string;
  status: string;
  dependsOn: string[];
  branch: string;
  base: string | null;
  prUrl: string | null;
  verdict: string | null;
  costUsd: number | null;
  blocked: { classification: string; errorKind: string } | null;
  runs: RunView[];
}

export interface PlanView {
  name: string;
  status: string;
  orchestrator: { holder: string; pid: number } | null;
  tasks: TaskView[];
}

export class PlanBed {
  readonly dir = mkdtempSync(join(tmpdir(), 'drover-plans-'));
  /** When set, status reads and approvals go through this server's API (faster than a CLI process). */
  apiUrl: string | undefined;

  /** `storeArgs`: --data-dir DIR, or --redis URL --redis-prefix P. */
  constructor(
    readonly kind: 'sqlite' | 'redis',
    readonly storeArgs: string[],
  ) {}

  async cli(args: string[], env: Record<string, string> = {}): Promise<DroverResult> {
    return runDrover(['plan', ...args, ...this.storeArgs], { env, timeoutMs: 120_000 });
  }

  /** Runs a plan command that must succeed; returns its parsed JSON output when it printed one line. */
  async ok(args: string[]): Promise<unknown> {
    const res = await this.cli(args);
    if (res.code !== 0) throw new Error(`drover plan ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    const out = res.stdout.trim();
    return out.startsWith('{') ? JSON.parse(out) : out;
  }

  writePlan(name: string, plan: unknown): string {
    const file = join(this.dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(plan, null, 2));
    return file;
  }

  async status(plan: string): Promise<PlanView> {
    if (this.apiUrl) {
      const res = await fetch(`${this.apiUrl}/api/plans/${plan}`, { headers: auth });
      if (res.status !== 200) throw new Error(`GET /api/plans/${plan}: ${res.status} ${await res.text()}`);
      return (await res.json()) as PlanView;
    }
    return (await this.ok(['status', plan, '--json'])) as PlanView;
  }

  async approve(plan: string, task: string): Promise<void> {
    if (!this.apiUrl) {
      await this.ok(['approve', plan, task]);
      return;
    }
    const res = await fetch(`${this.apiUrl}/api/plans/${plan}/tasks/${task}/approve`, {
      method: 'POST',
      headers: auth,
    });
    if (res.status !== 200) throw new Error(`approve ${task}: ${res.status} ${await res.text()}`);
  }

  async events(plan: string): Promise<PlanEvent[]> {
    const res = await this.cli(['events', plan, '--json']);
    if (res.code !== 0) throw new Error(`drover plan events exited ${res.code}: ${res.stderr}`);
    return res.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as PlanEvent);
  }

  /** Plays the person: approves what the reviewer passed (or `decide` does something else), until `done`. */
  async drive(
    plan: string,
    opts: {
      done: (view: PlanView) => boolean;
      decide?: (task: TaskView, view: PlanView) => Promise<boolean>;
      timeoutMs: number;
    },
  ): Promise<PlanView> {
    return waitFor(
      async () => {
        const view = await this.status(plan);
        if (opts.done(view)) return view;
        for (const task of view.tasks) {
          if (opts.decide && (await opts.decide(task, view))) continue;
          if (task.status === 'needs_human') await this.approve(plan, task.id);
        }
        await new Promise((r) => setTimeout(r, 300));
        return undefined;
      },
      opts.timeoutMs,
      `plan ${plan} to finish`,
    );
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Most runs of `role` in flight at once, replayed from the ledger (assigned … run.finished). */
export function peakFromLedger(events: PlanEvent[], role: string): number {
  let now = 0;
  let peak = 0;
  for (const e of events) {
    if (e.data.role !== role) continue;
    if (e.type === 'task.assigned') peak = Math.max(peak, ++now);
    if (e.type === 'run.finished') now--;
  }
  return peak;
}

/** Most jobs of `role` running at once, from the jobs' own start and finish times. */
export function peakFromJobs(runs: RunView[], role: string): number {
  const points = runs
    .filter((r) => r.role === role && r.startedAt && r.finishedAt)
    .flatMap((r) => [
      { t: Date.parse(r.startedAt!), d: 1 },
      { t: Date.parse(r.finishedAt!), d: -1 },
    ])
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let peak = 0;
  for (const p of points) {
    now += p.d;
    peak = Math.max(peak, now);
  }
  return peak;
}

export const auth = { authorization: `Bearer ${TEST_TOKEN}` };
