import type { Logger } from 'pino';
import { loadCallbackConfig } from '../callbacks/CallbackConfig.js';
import { CallbackNotifier } from '../callbacks/CallbackNotifier.js';
import { version } from './version.js';

/** How long a command about to exit waits for callbacks still being sent or retried. */
export const CALLBACK_DRAIN_MS = 15_000;

/** The signed-callback observer every command that runs jobs gives its Runner (validates the env). */
export function callbackNotifier(logger: Logger, env: NodeJS.ProcessEnv = process.env): CallbackNotifier {
  return new CallbackNotifier(loadCallbackConfig(env), logger, { userAgent: `drover/${version()}` });
}
