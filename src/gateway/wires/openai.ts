import { fingerprint } from './fingerprint.js';
import {
  bearer,
  emptyUsage,
  interestIn,
  isObject,
  num,
  type RefusalReason,
  type Route,
  type UsageReader,
  type WireSpec,
  type WireUsage,
} from './types.js';

const STATUS: Record<RefusalReason, [number, string, string | null]> = {
  // Codex stops at once on a 400 (a 402/403 is retried five times; checked with codex 0.169).
  budget: [400, 'invalid_request_error', 'budget_exceeded'],
  no_key: [400, 'invalid_request_error', 'no_api_key'],
  unauthorized: [401, 'invalid_request_error', 'invalid_api_key'],
  not_found: [404, 'invalid_request_error', 'unknown_url'],
  too_large: [413, 'invalid_request_error', 'request_too_large'],
  too_many: [429, 'rate_limit_error', 'rate_limit_exceeded'],
  bad_request: [400, 'invalid_request_error', null],
};

const isChat = (body: Record<string, unknown>) => Array.isArray(body.messages);
/** Models that take `max_completion_tokens` (reasoning models refuse `max_tokens`). */
const COMPLETION_TOKENS_MODELS = /^(o\d|gpt-5)/;

/**
 * OpenAI Responses (Codex) and Chat Completions (OpenAI-compatible SDKs of `command` agents). Paths
 * keep their `/v1`: the agent's base URL ends in `/v1` like OPENAI_BASE_URL.
 */
export const openaiWire: WireSpec = {
  name: 'openai',

  route(method: string, path: string): Route | undefined {
    if (method === 'POST' && (path === '/v1/responses' || path === '/v1/chat/completions'))
      return { kind: 'billed' };
    if (method === 'POST' && path === '/v1/responses/input_tokens') return { kind: 'free' };
    if (method === 'GET' && /^\/v1\/models(\/[A-Za-z0-9._@:-]+)?$/.test(path)) return { kind: 'free' };
    return undefined;
  },

  presentedToken: (headers) => bearer(headers),
  authHeader: (key) => ['authorization', `Bearer ${key}`],
  credentialParams: [],

  error(reason, message) {
    const [status, type, code] = STATUS[reason];
    return { status, body: { error: { message, type, param: null, code } } };
  },

  minOutputCap: (body) => (isChat(body) ? 1 : 16), // Responses refuses max_output_tokens < 16
  requestedOutputCap(body) {
    const v = isChat(body) ? (body.max_completion_tokens ?? body.max_tokens) : body.max_output_tokens;
    return typeof v === 'number' ? v : undefined;
  },
  applyOutputCap(body, cap, model) {
    if (!isChat(body)) {
      if (typeof body.max_output_tokens === 'number' && body.max_output_tokens <= cap) return false;
      body.max_output_tokens = cap;
      return true;
    }
    let changed = false;
    for (const field of ['max_completion_tokens', 'max_tokens']) {
      if (typeof body[field] === 'number' && (body[field] as number) > cap) {
        body[field] = cap;
        changed = true;
      }
    }
    if (body.max_completion_tokens === undefined && body.max_tokens === undefined) {
      body[COMPLETION_TOKENS_MODELS.test(model ?? '') ? 'max_completion_tokens' : 'max_tokens'] = cap;
      changed = true;
    }
    return changed;
  },

  prepare(body, stream) {
    // A chat stream reports usage only when asked; the extra final chunk has no choices (SDKs expect it).
    if (!isChat(body) || !stream) return false;
    const opts = isObject(body.stream_options) ? body.stream_options : {};
    if (opts.include_usage === true) return false;
    body.stream_options = { ...opts, include_usage: true };
    return true;
  },

  conversation(body, model) {
    if (isChat(body)) {
      const messages = body.messages as unknown[];
      if (messages.length === 0) return undefined;
      return { key: fingerprint('chat', model, messages[0]), length: messages.length, mayShrink: false };
    }
    const input = Array.isArray(body.input) ? body.input : [body.input];
    return {
      key: fingerprint('responses', model, body.instructions, input[0]),
      length: input.length,
      ...(typeof body.previous_response_id === 'string'
        ? { previousResponseId: body.previous_response_id }
        : {}),
      mayShrink: body.truncation === 'auto',
    };
  },

  usageReader: () => new OpenAiUsage(),
};

const DONE = ['response.created', 'response.completed', 'response.incomplete', 'response.failed'];
// Chat chunks have no event names; with include_usage every chunk says `"usage":null` but one.
const INTEREST = interestIn(DONE, ['"usage":{', '"usage": {', ...DONE.map((d) => `"${d}"`)]);

class OpenAiUsage implements UsageReader {
  readonly interest = INTEREST;
  readonly usage: WireUsage = emptyUsage();

  event(data: unknown): void {
    if (!isObject(data)) return;
    if (isObject(data.response)) {
      // Responses: response.created names the model and id; completed/incomplete/failed carry usage.
      this.document(data.response);
      return;
    }
    this.document(data); // a chat.completion.chunk; the last one carries usage
  }

  document(body: unknown): void {
    if (!isObject(body)) return;
    if (typeof body.model === 'string') this.usage.model = body.model;
    if (typeof body.id === 'string' && body.object === 'response') this.usage.responseId = body.id;
    const u = body.usage;
    if (!isObject(u)) return;
    const responses = u.input_tokens !== undefined;
    const input = num(responses ? u.input_tokens : u.prompt_tokens);
    const inDetails = responses ? u.input_tokens_details : u.prompt_tokens_details;
    const outDetails = responses ? u.output_tokens_details : u.completion_tokens_details;
    const cached = isObject(inDetails) ? Math.min(num(inDetails.cached_tokens), input) : 0;
    this.usage.inputTokens = input - cached;
    this.usage.cachedInputTokens = cached;
    this.usage.outputTokens = num(responses ? u.output_tokens : u.completion_tokens);
    this.usage.reasoningTokens = isObject(outDetails) ? num(outDetails.reasoning_tokens) : 0;
    this.usage.seen = true;
  }
}
