export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One thing a runner needs: what was found, and how to fix it when it is not right. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

/** Where the runner keeps things, as the configuration (or its defaults) says. */
export interface DoctorSetup {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  workDir: string;
  redisUrl?: string;
  redisPrefix?: string;
  /** DROVER_SANDBOX: an explicit mode makes a working bubblewrap required. */
  sandboxDefault: string;
}
