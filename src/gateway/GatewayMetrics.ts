import { Counter, Histogram, type Registry } from 'prom-client';
import type { ModelCallRecord } from '../pipeline/ModelAccess.js';

/** Prometheus series of the model gateway (registered on the server's registry under `drover serve`). */
export class GatewayMetrics {
  private readonly calls: Counter<'wire' | 'model' | 'status'>;
  private readonly tokens: Counter<'wire' | 'model' | 'kind'>;
  private readonly cost: Counter<'wire' | 'model'>;
  private readonly refusals: Counter<'wire' | 'reason'>;
  private readonly latency: Histogram<'wire'>;
  private readonly firstByte: Histogram<'wire'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.calls = new Counter({
      name: 'drover_model_calls_total',
      help: 'Model calls through the gateway, by dialect, model and HTTP status',
      labelNames: ['wire', 'model', 'status'],
      registers,
    });
    this.tokens = new Counter({
      name: 'drover_model_tokens_total',
      help: 'Tokens of model calls through the gateway (kind: input, cached_input, output)',
      labelNames: ['wire', 'model', 'kind'],
      registers,
    });
    this.cost = new Counter({
      name: 'drover_model_cost_usd_total',
      help: 'Cost of model calls through the gateway (price table × tokens)',
      labelNames: ['wire', 'model'],
      registers,
    });
    this.refusals = new Counter({
      name: 'drover_model_refusals_total',
      help: 'Requests the gateway refused itself (budget, unauthorized, not_found, too_large, no_key, bad_request)',
      labelNames: ['wire', 'reason'],
      registers,
    });
    this.latency = new Histogram({
      name: 'drover_model_call_seconds',
      help: 'Duration of model calls through the gateway, request to last byte',
      labelNames: ['wire'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.firstByte = new Histogram({
      name: 'drover_model_first_byte_seconds',
      help: 'Time to the first response byte of model calls through the gateway',
      labelNames: ['wire'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
  }

  call(record: ModelCallRecord): void {
    const model = record.model ?? 'unknown';
    this.calls.inc({ wire: record.wire, model, status: String(record.status) });
    if (record.refused) return;
    const inc = (kind: string, n: number) => n > 0 && this.tokens.inc({ wire: record.wire, model, kind }, n);
    inc('input', record.inputTokens);
    inc('cached_input', record.cachedInputTokens);
    inc('output', record.outputTokens);
    if (record.costUsd) this.cost.inc({ wire: record.wire, model }, record.costUsd);
    this.latency.observe({ wire: record.wire }, record.latencyMs / 1000);
    if (record.firstByteMs !== null) this.firstByte.observe({ wire: record.wire }, record.firstByteMs / 1000);
  }

  refused(wire: string, reason: string): void {
    this.refusals.inc({ wire, reason });
  }
}
