import type { Octokit } from '@octokit/rest';
import { ForgeApiError } from '../../errors.js';

export const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Per-request limit of forge API calls made by the intake and the reporter. */
export const FORGE_REQUEST_TIMEOUT_MS = 15_000;

/** @octokit/rest loaded on first use (a large module most commands never need). */
export async function loadOctokit(): Promise<typeof Octokit> {
  return (await import('@octokit/rest')).Octokit;
}

/** Runs an octokit call; a failure becomes a ForgeApiError naming the step and the HTTP status. */
export async function githubCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ForgeApiError) throw err;
    const status = (err as { status?: number }).status;
    const message = (err as { response?: { data?: { message?: unknown } } }).response?.data?.message;
    const detail =
      typeof status === 'number'
        ? `HTTP ${status}${typeof message === 'string' ? `: ${message.slice(0, 200)}` : ''}`
        : (err as Error).message;
    throw new ForgeApiError(
      `GitHub: ${what} failed (${detail})`,
      typeof status === 'number' ? status : undefined,
      {
        cause: err,
      },
    );
  }
}

export function requestOptions(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(FORGE_REQUEST_TIMEOUT_MS) };
}
