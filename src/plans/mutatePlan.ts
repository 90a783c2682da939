import { NotFoundError, StoreError } from '../errors.js';
import type { NewPlanEvent, PlanEvent } from './PlanEvent.js';
import type { PlanDoc, PlanState, RunRecord } from './PlanState.js';
import type { PlanStore } from './types.js';

export type Emit = (event: NewPlanEvent) => void;

const ATTEMPTS = 20;

/**
 * Read, change, compare-and-set: `change` edits a copy of the plan and emits events; the copy is saved
 * only if nobody saved the plan meanwhile, else `change` runs again on the fresh plan (so every
 * decision is made on the state it is written over). Side effects belong after this returns.
 */
export async function mutatePlan<R>(
  store: PlanStore,
  name: string,
  change: (plan: PlanState, emit: Emit) => R | Promise<R>,
): Promise<{ plan: PlanState; result: R; events: PlanEvent[] }> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const current = await store.get(name);
    if (!current) throw new NotFoundError(`No plan named ${name}.`);
    const draft = structuredClone(current);
    const pending: NewPlanEvent[] = [];
    const result = await change(draft, (event) => pending.push(event));
    const runs = changedRuns(current.runs, draft.runs);
    const docChanged = JSON.stringify(docOf(current)) !== JSON.stringify(docOf(draft));
    if (!docChanged && runs.length === 0 && pending.length === 0)
      return { plan: current, result, events: [] };
    const now = new Date().toISOString();
    const events = pending.map((e, i) => ({ ...e, seq: draft.eventSeq + i + 1, ts: now }));
    draft.eventSeq += events.length;
    draft.updatedAt = now;
    if (await store.save(docOf(draft), current.version, runs, events)) {
      return { plan: { ...draft, version: current.version + 1 }, result, events };
    }
    await new Promise((r) => setTimeout(r, Math.min(200, 5 * attempt) + Math.random() * 20));
  }
  throw new StoreError(`Plan ${name} kept changing under this update; try again.`);
}

/** Creates a plan (version 1) with its first events; false when one with the name exists. */
export async function createPlan(store: PlanStore, doc: PlanDoc, pending: NewPlanEvent[]): Promise<boolean> {
  const events = pending.map((e, i) => ({ ...e, seq: i + 1, ts: doc.createdAt }));
  return store.save({ ...doc, eventSeq: events.length }, 0, [], events);
}

export function docOf(plan: PlanState | PlanDoc): PlanDoc {
  const { version: _v, runs: _r, ...doc } = plan as PlanState;
  return doc;
}

function changedRuns(before: RunRecord[], after: RunRecord[]): RunRecord[] {
  const old = new Map(before.map((r) => [r.jobId, JSON.stringify(r)]));
  return after.filter((r) => old.get(r.jobId) !== JSON.stringify(r));
}
