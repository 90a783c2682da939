import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { GitBranchInspector } from '../plans/GitBranchInspector.js';
import { loadPlanEnv } from '../plans/PlanEnv.js';
import { PlanOrchestrator } from '../plans/PlanOrchestrator.js';
import type { PlanStore } from '../plans/types.js';
import type { JobStore } from '../store/types.js';

/**
 * The plans' orchestrator of a `drover serve` or `drover worker` process (unless --no-plans or
 * DROVER_PLANS=off). Returns a stop function (also releases its plans' leases).
 */
export async function startPlanOrchestrator(
  plans: PlanStore,
  jobs: JobStore,
  config: RunnerConfig,
  logger: Logger,
  enabled: boolean,
): Promise<() => Promise<void>> {
  const env = loadPlanEnv(process.env);
  if (!enabled || !env.enabled) return async () => {};
  // A scratch repository per process: merge checks fetch into it, and processes never share it.
  const scratch = await mkdtemp(join(tmpdir(), 'drover-plans-git-'));
  const orchestrator = new PlanOrchestrator(
    {
      plans,
      jobs,
      resolveSpec: specResolver(config.repoDefaults),
      inspector: new GitBranchInspector({
        dir: scratch,
        ...(config.gitToken ? { token: config.gitToken } : {}),
        username: config.gitUsername,
        env: config.hostEnv,
      }),
      logger: logger.child({ component: 'plans' }),
    },
    { holder: config.runnerId, leaseMs: env.leaseMs, tickMs: env.tickMs },
  );
  orchestrator.start();
  return async () => {
    await orchestrator.stop();
    await rm(scratch, { recursive: true, force: true });
  };
}
