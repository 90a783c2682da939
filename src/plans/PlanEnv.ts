import { z } from 'zod';
import { envDuration, parseEnv } from '../config/envSchemas.js';

/** Variables of the plans' orchestrator (inside `drover serve` and `drover worker`). */
export const PlanEnv = z.object({
  /** How long a plan's orchestrator lease lasts without renewal (a dead holder's plans move after it). */
  DROVER_PLAN_LEASE: envDuration('15s'),
  /** How often the orchestrator looks at its plans. */
  DROVER_PLAN_TICK: envDuration('1s'),
  DROVER_PLANS: z.enum(['on', 'off']).default('on'),
});

export interface PlanEnvSettings {
  enabled: boolean;
  leaseMs: number;
  tickMs: number;
}

export function loadPlanEnv(env: NodeJS.ProcessEnv): PlanEnvSettings {
  const e = parseEnv(PlanEnv, env);
  return { enabled: e.DROVER_PLANS === 'on', leaseMs: e.DROVER_PLAN_LEASE, tickMs: e.DROVER_PLAN_TICK };
}
