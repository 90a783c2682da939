import { fingerprint } from './fingerprint.js';
import {
  bearer,
  emptyUsage,
  headerValue,
  interestIn,
  isObject,
  num,
  type RefusalReason,
  type Route,
  type UsageReader,
  type WireSpec,
  type WireUsage,
} from './types.js';

const ERROR_TYPES: Record<RefusalReason, [number, string]> = {
  // Claude Code stops at once on a billing error; a 400 invalid_request_error is re-sent with fewer betas,
  // and a 401 is retried for minutes (checked with claude 2.1.330).
  budget: [402, 'billing_error'],
  no_key: [403, 'permission_error'],
  unauthorized: [401, 'authentication_error'],
  not_found: [404, 'not_found_error'],
  too_large: [413, 'request_too_large'],
  too_many: [429, 'rate_limit_error'],
  bad_request: [400, 'invalid_request_error'],
};

/** Anthropic Messages: what Claude Code and the Anthropic SDKs speak (`x-api-key` or Bearer). */
export const anthropicWire: WireSpec = {
  name: 'anthropic',

  route(method: string, path: string): Route | undefined {
    if ((method === 'HEAD' || method === 'GET') && (path === '/api/hello' || path === '/'))
      return { kind: 'probe' };
    if (method === 'POST' && path === '/v1/messages') return { kind: 'billed' };
    if (method === 'POST' && path === '/v1/messages/count_tokens') return { kind: 'free' };
    if (method === 'GET' && /^\/v1\/models(\/[A-Za-z0-9._@:-]+)?$/.test(path)) return { kind: 'free' };
    return undefined;
  },

  presentedToken(headers) {
    return headerValue(headers, 'x-api-key') ?? bearer(headers);
  },
  authHeader: (key) => ['x-api-key', key],
  credentialParams: [],

  error(reason, message) {
    const [status, type] = ERROR_TYPES[reason];
    return { status, body: { type: 'error', error: { type, message } } };
  },

  minOutputCap(body) {
    // Extended thinking needs budget_tokens >= 1024 and max_tokens above it.
    return isObject(body.thinking) && body.thinking.type === 'enabled' ? 1025 : 1;
  },
  requestedOutputCap(body) {
    return typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  },
  applyOutputCap(body, cap) {
    const current = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
    if (current !== undefined && current <= cap) return false;
    body.max_tokens = cap;
    const thinking = body.thinking;
    if (isObject(thinking) && typeof thinking.budget_tokens === 'number' && thinking.budget_tokens >= cap)
      thinking.budget_tokens = cap - 1;
    return true;
  },

  conversation(body, model) {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    if (messages.length === 0) return undefined;
    return {
      key: fingerprint('anthropic', model, body.system, messages[0]),
      length: messages.length,
      // Context editing clears earlier tool results on the server: a later call may read less.
      mayShrink: body.context_management !== undefined,
    };
  },

  usageReader: () => new AnthropicUsage(),
};

const INTEREST = interestIn(
  ['message_start', 'message_delta', 'content_block_start'],
  ['"message_start"', '"message_delta"', '"content_block_start"'],
);

/** message_start carries the input side, message_delta the cumulative totals (its fields win). */
class AnthropicUsage implements UsageReader {
  readonly interest = INTEREST;
  private raw: Record<string, number> = {};
  private model: string | undefined;
  private thinking = false;
  private seen = false;

  event(data: unknown): void {
    if (!isObject(data)) return;
    switch (data.type) {
      case 'message_start':
        if (isObject(data.message)) this.read(data.message.usage, data.message.model);
        break;
      case 'message_delta':
        this.read(data.usage, undefined);
        break;
      case 'content_block_start':
        if (isObject(data.content_block) && String(data.content_block.type).includes('thinking'))
          this.thinking = true;
        break;
      default:
        break;
    }
  }

  document(body: unknown): void {
    if (!isObject(body)) return;
    this.read(body.usage, body.model);
    if (Array.isArray(body.content))
      this.thinking ||= body.content.some((b) => isObject(b) && String(b.type).includes('thinking'));
  }

  private read(usage: unknown, model: unknown): void {
    if (typeof model === 'string') this.model = model;
    if (!isObject(usage)) return;
    this.seen = true;
    for (const key of [
      'input_tokens',
      'cache_creation_input_tokens',
      'cache_read_input_tokens',
      'output_tokens',
    ])
      if (typeof usage[key] === 'number') this.raw[key] = num(usage[key]);
    if (isObject(usage.cache_creation) && typeof usage.cache_creation.ephemeral_1h_input_tokens === 'number')
      this.raw.write1h = num(usage.cache_creation.ephemeral_1h_input_tokens);
    if (
      isObject(usage.output_tokens_details) &&
      typeof usage.output_tokens_details.thinking_tokens === 'number'
    )
      this.raw.thinking = num(usage.output_tokens_details.thinking_tokens);
  }

  get usage(): WireUsage {
    const r = this.raw;
    const writes = r.cache_creation_input_tokens ?? 0;
    return {
      ...emptyUsage(),
      ...(this.model ? { model: this.model } : {}),
      inputTokens: (r.input_tokens ?? 0) + writes,
      cachedInputTokens: r.cache_read_input_tokens ?? 0,
      cacheWriteTokens: writes,
      cacheWrite1hTokens: Math.min(r.write1h ?? 0, writes),
      outputTokens: r.output_tokens ?? 0,
      reasoningTokens: r.thinking ?? 0,
      thinking: this.thinking || (r.thinking ?? 0) > 0,
      seen: this.seen,
    };
  }
}
