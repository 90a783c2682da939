import { StoreError } from '../errors.js';
import { parseStoredJson } from '../util/storedJson.js';
import { PlanEvent } from './PlanEvent.js';
import { PlanDoc, RunRecord } from './PlanState.js';

// Whatever a store holds is read back through the schemas: Redis is shared, and a broken record must
// fail clearly instead of steering the orchestrator.

export function parseStoredDoc(name: string, json: string | null | undefined): PlanDoc {
  const parsed = PlanDoc.safeParse(parseStoredJson(json));
  if (!parsed.success)
    throw new StoreError(`Plan ${name} is unreadable in the store: ${parsed.error.message}`);
  return parsed.data;
}

export function parseStoredRun(name: string, json: string | null | undefined): RunRecord {
  const parsed = RunRecord.safeParse(parseStoredJson(json));
  if (!parsed.success) {
    throw new StoreError(`A run of plan ${name} is unreadable in the store: ${parsed.error.message}`);
  }
  return parsed.data;
}

export function parseStoredEvent(name: string, raw: unknown): PlanEvent {
  const parsed = PlanEvent.safeParse(raw);
  if (!parsed.success) {
    throw new StoreError(`An event of plan ${name} is unreadable in the store: ${parsed.error.message}`);
  }
  return parsed.data;
}
