import { hostname } from 'node:os';
import { mutatePlan } from './mutatePlan.js';
import { type OrchestratorDeps, tickPlan } from './Orchestrator.js';

export interface PlanOrchestratorOptions {
  /** This process's holder id (unique per process). */
  holder: string;
  leaseMs: number;
  tickMs: number;
}

/**
 * The plans' orchestrator of one process (`drover serve`, `drover worker`): every tick it takes or
 * renews the lease of each unfinished plan and runs a pass of those it holds. A plan has one holder
 * at a time across machines; a holder that dies (kill -9) loses its plans when the lease lapses.
 */
export class PlanOrchestrator {
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: OrchestratorDeps,
    private readonly opts: PlanOrchestratorOptions,
  ) {}

  start(): void {
    this.deps.logger.info({ holder: this.opts.holder }, 'plan orchestrator started');
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.pass().finally(() => this.schedule(this.opts.tickMs));
    }, ms);
  }

  /** One round over the plans; errors are logged, never fatal (the next tick tries again). */
  async pass(): Promise<void> {
    let docs: Awaited<ReturnType<OrchestratorDeps['plans']['list']>>;
    try {
      docs = await this.deps.plans.list();
    } catch (err) {
      this.deps.logger.warn({ err }, 'cannot list plans');
      return;
    }
    for (const doc of docs) {
      if (this.stopped) return;
      if (doc.completedAt) continue;
      try {
        await this.passPlan(doc.name);
      } catch (err) {
        this.deps.logger.warn({ err, plan: doc.name }, 'plan pass failed; tried again on the next tick');
      }
    }
  }

  private async passPlan(name: string): Promise<void> {
    const me = { holder: this.opts.holder, host: hostname(), pid: process.pid };
    if (!(await this.deps.plans.lease(name, me, this.opts.leaseMs))) {
      this.held.delete(name);
      return;
    }
    if (!this.held.has(name)) {
      this.held.add(name);
      this.deps.logger.info({ plan: name, holder: me.holder }, 'orchestrating plan');
      await mutatePlan(this.deps.plans, name, (_plan, emit) =>
        emit({ type: 'orchestrator.acquired', task: null, data: me }),
      );
    }
    await tickPlan(this.deps, name);
  }

  /** Stops ticking, waits for the pass in progress, and hands the plans' leases back. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current.catch(() => undefined);
    for (const name of this.held) {
      await this.deps.plans.releaseLease(name, this.opts.holder).catch(() => undefined);
    }
    this.held.clear();
  }
}
