// A model gateway on loopback in front of the scripted model servers, for the gateway's own tests.

import pino from 'pino';
import { Registry } from 'prom-client';
import { loadGatewayConfig } from '../../src/gateway/GatewayConfig.js';
import { GatewayMetrics } from '../../src/gateway/GatewayMetrics.js';
import { ModelGateway } from '../../src/gateway/ModelGateway.js';
import type { ModelBudgets, ModelSession, ModelSessionEvent } from '../../src/pipeline/ModelAccess.js';
import type { PriceTable } from '../../src/runner/guards/prices.js';

export const KEYS = {
  anthropic: 'sk-ant-real-key-0123456789abcdef',
  openai: 'sk-openai-real-key-0123456789abcdef',
  gemini: 'gemini-real-key-0123456789abcdef',
};

export interface TestGateway {
  gateway: ModelGateway;
  registry: Registry;
  open(budgets?: ModelBudgets): Promise<{ session: ModelSession; events: ModelSessionEvent[] }>;
  close(): Promise<void>;
}

/** Upstream URLs (without /v1 for OpenAI) of whichever scripted servers a test started. */
export async function startTestGateway(
  upstreams: { anthropic?: string; openai?: string; gemini?: string },
  opts: { prices?: PriceTable; maxBody?: string; recordBodies?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<TestGateway> {
  const env: NodeJS.ProcessEnv = {
    ANTHROPIC_API_KEY: KEYS.anthropic,
    OPENAI_API_KEY: KEYS.openai,
    GEMINI_API_KEY: KEYS.gemini,
    ...(upstreams.anthropic ? { ANTHROPIC_BASE_URL: upstreams.anthropic } : {}),
    ...(upstreams.openai ? { OPENAI_BASE_URL: `${upstreams.openai}/v1` } : {}),
    ...(upstreams.gemini ? { GOOGLE_GEMINI_BASE_URL: upstreams.gemini } : {}),
    ...(opts.maxBody ? { DROVER_GATEWAY_MAX_BODY: opts.maxBody } : {}),
    ...(opts.recordBodies ? { DROVER_RECORD_MODEL_BODIES: '1' } : {}),
    ...opts.env,
  };
  const config = loadGatewayConfig(env);
  if (opts.prices) config.prices = opts.prices;
  const registry = new Registry();
  const gateway = await ModelGateway.start({
    config,
    logger: pino({ level: 'silent' }),
    metrics: new GatewayMetrics(registry),
  });
  let jobs = 0;
  return {
    gateway,
    registry,
    async open(budgets = {}) {
      const session = await gateway.openJob({ id: `job-${++jobs}` }, budgets);
      const events: ModelSessionEvent[] = [];
      session.subscribe((e) => events.push(e));
      return { session, events };
    },
    close: () => gateway.close(),
  };
}
