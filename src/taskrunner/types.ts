import type { Logger } from 'pino';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import type { ModelAccess } from '../pipeline/ModelAccess.js';
import type { JobLifecycleObserver } from '../runner/types.js';
import type { JobStore } from '../store/types.js';
import type { TaskAssignment } from './TaskAssignment.js';
import type { TaskRunnerSettings } from './TaskRunnerSettings.js';

/** What running one control-plane task needs (built by `drover task-runner`). */
export interface TaskRunDeps {
  assignment: TaskAssignment;
  settings: TaskRunnerSettings;
  store: JobStore;
  config: RunnerConfig;
  logger: Logger;
  userAgent: string;
  /** Aborted on SIGTERM: the job is cancelled and `failed` reported within settings.shutdownMs. */
  shutdown: AbortSignal;
  /** Signed callbacks (jobs whose spec has a callbackUrl). */
  observer?: JobLifecycleObserver;
  /** The process's model gateway (absent: agents get the model keys themselves). */
  modelAccess?: ModelAccess;
}

/** How the task ended for the process: exit 0 on `completed` (and a task already over), 1 otherwise. */
export interface TaskEnd {
  exitCode: 0 | 1;
  /** `gone`: the control plane said the task was already terminal (410): nothing to do. */
  outcome: 'completed' | 'failed' | 'gone';
  jobId?: string;
}
