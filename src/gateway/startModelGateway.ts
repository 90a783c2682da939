import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ModelAccess } from '../pipeline/ModelAccess.js';
import { loadGatewayConfig } from './GatewayConfig.js';
import { ModelGateway, type UserModelKeys } from './ModelGateway.js';

export interface RunningGateway {
  /** Handed to the Runner (RunnerOptions.modelAccess). */
  access: ModelAccess;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the model gateway of a runner process (`drover run`, `worker`, `serve`, the task runner), or
 * nothing when DROVER_GATEWAY=off (agents then get the keys themselves, as the job log says).
 */
export async function startModelGateway(opts: {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  registry?: Registry;
  userKeys?: UserModelKeys;
}): Promise<RunningGateway | undefined> {
  if (opts.env.DROVER_GATEWAY === 'off') return undefined;
  const gateway = await ModelGateway.start({
    config: loadGatewayConfig(opts.env),
    logger: opts.logger.child({ component: 'model-gateway' }),
    // prom-client only where there is a /metrics to serve.
    ...(opts.registry
      ? { metrics: new (await import('./GatewayMetrics.js')).GatewayMetrics(opts.registry) }
      : {}),
    ...(opts.userKeys ? { userKeys: opts.userKeys } : {}),
  });
  opts.logger.debug({ url: gateway.url }, 'model gateway listening');
  return { access: gateway, url: gateway.url, close: () => gateway.close() };
}
