import type { ErrorKind } from './jobs/ErrorKind.js';

/**
 * Every error Drover raises on purpose. `code` is stable (scripts and the API match on it);
 * `kind` is the job errorKind the error maps to when it ends a job.
 */
export class DroverError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  constructor(code: string, kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.kind = kind;
  }
}

/** Bad input from a user or a producer: nothing was started. */
export class InvalidInputError extends DroverError {
  /** Field-level problems, e.g. [{ path: 'timeout', message: 'expected a duration like 90s, 15m or 1h' }]. */
  readonly issues: { path: string; message: string }[];
  constructor(
    message: string,
    issues: { path: string; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super('E_INVALID_INPUT', 'invalid_input', message, options);
    this.issues = issues;
  }
}

export class ConfigError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONFIG', 'invalid_input', message, options);
  }
}

export class CloneError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CLONE', 'clone_failed', message, options);
  }
}

export class PushError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_PUSH', 'push_failed', message, options);
  }
}

export class GitError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_GIT', 'internal', message, options);
  }
}

/**
 * What the agent (or a setup/verify command) left in the workspace cannot be taken safely: a symlink
 * or special file where Drover reads the agent's commits, objects that fail verification, a FIFO
 * named like a git control file. Drover refuses rather than follow it.
 */
export class UnsafeWorkspaceError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_UNSAFE_WORKSPACE', 'unsafe_workspace', message, options);
  }
}

export class NoChangesError extends DroverError {
  constructor(message = 'The agent made no changes; pass --allow-no-changes to accept an empty result.') {
    super('E_NO_CHANGES', 'no_changes', message);
  }
}

/** The agent process exited non-zero. */
export class AgentExitError extends DroverError {
  readonly exitCode: number | null;
  readonly signal: string | null;
  constructor(message: string, exitCode: number | null, signal: string | null = null) {
    super('E_AGENT_EXIT', 'agent_exit', message);
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/** The agent said it failed (e.g. Claude Code's result with is_error: true), whatever its exit code. */
export class AgentReportedError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_AGENT_ERROR', 'agent_error', message, options);
  }
}

export class AgentTimeoutError extends DroverError {
  constructor(message: string) {
    super('E_TIMEOUT', 'timeout', message);
  }
}

export class IdleTimeoutError extends DroverError {
  constructor(message: string) {
    super('E_IDLE_TIMEOUT', 'idle_timeout', message);
  }
}

export class CancelledError extends DroverError {
  constructor(message = 'The job was cancelled.') {
    super('E_CANCELLED', 'cancelled', message);
  }
}

/** The runner is shutting down (SIGINT/SIGTERM) and the job did not finish within the drain timeout. */
export class InterruptedError extends DroverError {
  constructor(message = 'The runner was interrupted before the job finished; it will be retried.') {
    super('E_INTERRUPTED', 'interrupted', message);
  }
}

export class BudgetError extends DroverError {
  constructor(message: string) {
    super('E_BUDGET', 'budget', message);
  }
}

export class SetupError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SETUP', 'setup', message, options);
  }
}

export class VerifyError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_VERIFY', 'verify', message, options);
  }
}

export class CredentialsError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CREDENTIALS', 'credentials', message, options);
  }
}

export class SandboxError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SANDBOX', 'sandbox', message, options);
  }
}

export class DeliveryError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_DELIVERY', 'delivery', message, options);
  }
}

/** The reviewer still asked for changes after the last review cycle (or never gave a verdict): needs_human. */
export class ReviewError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_REVIEW', 'review', message, options);
  }
}

/** Reading or writing a job's artifacts failed (never fails a job; the CLI and API report it). */
export class ArtifactError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_ARTIFACT', 'internal', message, options);
  }
}

export class StoreError extends DroverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_STORE', 'internal', message, options);
  }
}

/** The store could not be reached (connection refused, reset, timed out): a retry may succeed. */
export class StoreUnavailableError extends StoreError {}

/** A file lock (e.g. a repo cache entry) stayed held by another process past the wait limit. */
export class LockTimeoutError extends DroverError {
  constructor(message: string) {
    super('E_LOCK_TIMEOUT', 'internal', message);
  }
}

export class NotFoundError extends DroverError {
  constructor(message: string) {
    super('E_NOT_FOUND', 'invalid_input', message);
  }
}

/** Wraps anything unexpected so it still ends the job with a clear kind. */
export function toDroverError(err: unknown): DroverError {
  if (err instanceof DroverError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DroverError('E_INTERNAL', 'internal', `Internal error: ${message}`, { cause: err });
}

/** Another runner took the job over (this runner's lease lapsed): stop without writing a status. */
export class LeaseLostError extends DroverError {
  constructor(message = 'The job lease was lost to another runner.') {
    super('E_LEASE_LOST', 'internal', message);
  }
}

/** An API request without a valid bearer token. */
export class UnauthorizedError extends DroverError {
  constructor(message = 'A valid API token is required (Authorization: Bearer <token>).') {
    super('E_UNAUTHORIZED', 'invalid_input', message);
  }
}

/** The request conflicts with the job's state (e.g. cancelling a job that already ended). */
export class ConflictError extends DroverError {
  constructor(code: string, message: string) {
    super(code, 'invalid_input', message);
  }
}

/** A control plane's API (the task runner's apiURL) refused a call or stayed unreachable. */
export class ControlPlaneError extends DroverError {
  /** The HTTP status of the last answer (undefined: no answer: network error or timeout). */
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super('E_CONTROL_PLANE', 'internal', message, options);
    this.status = status;
  }
}

/** A forge REST call (GitHub, GitLab) from the forge intake failed; `status` is the HTTP status, if any. */
export class ForgeApiError extends DroverError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super('E_FORGE_API', 'internal', message, options);
    this.status = status;
  }
}

/** A plan task cannot make the move asked for (a conflict with its status): names the task, from and to. */
export class InvalidMoveError extends ConflictError {
  constructor(
    readonly task: string,
    readonly from: string,
    readonly to: string,
    message: string,
  ) {
    super('E_INVALID_MOVE', message);
  }
}
