import type { Logger } from 'pino';
import { ControlPlaneError } from '../errors.js';
import type { CallOptions, ControlPlaneClient } from './ControlPlaneClient.js';

/** Posts a status; false (logged) when it could not be delivered. A 410 means the task is over. */
export async function reportStatus(
  client: ControlPlaneClient,
  log: Logger,
  event: 'progress' | 'completed' | 'failed',
  message: string,
  details: Record<string, unknown> | undefined,
  opts: CallOptions,
): Promise<boolean> {
  try {
    await client.status(event, message, details, opts);
    log.info({ event }, `reported ${event}`);
    return true;
  } catch (err) {
    if (err instanceof ControlPlaneError && err.status === 410) {
      log.warn({ event }, 'the task was already over on the control plane; report not recorded');
      return event !== 'completed';
    }
    log.error({ err, event }, `could not report ${event} to the control plane`);
    return false;
  }
}

export function stoppedMessage(when: string): string {
  return `The task runner was stopped (SIGTERM: the pod is being deleted) ${when}.`;
}
