/** A job's resolved environment: what it adds to every command's environment, and its setup steps. */
export interface JobEnvironment {
  /** The environment's name, when the job has one. */
  name?: string;
  /** Variables from the environment's `env` and `passEnv` (values already read from the runner). */
  vars: Record<string, string>;
  setup: string[];
}
