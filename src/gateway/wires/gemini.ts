import { fingerprint } from './fingerprint.js';
import {
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

const STATUS: Record<RefusalReason, [number, string]> = {
  // Gemini CLI stops at once on a 400 (429 and 5xx are retried; checked with gemini 0.61).
  budget: [400, 'INVALID_ARGUMENT'],
  no_key: [400, 'INVALID_ARGUMENT'],
  unauthorized: [401, 'UNAUTHENTICATED'],
  not_found: [404, 'NOT_FOUND'],
  too_large: [413, 'INVALID_ARGUMENT'],
  too_many: [429, 'RESOURCE_EXHAUSTED'],
  bad_request: [400, 'INVALID_ARGUMENT'],
};

const MODEL_PATH = /^\/v1(?:beta|alpha)?\/models\/([A-Za-z0-9._@-]+):([A-Za-z]+)$/;

/** Gemini API (generativelanguage): what Gemini CLI and Google's SDKs speak (`x-goog-api-key`). */
export const geminiWire: WireSpec = {
  name: 'gemini',

  route(method: string, path: string): Route | undefined {
    const m = MODEL_PATH.exec(path);
    if (method === 'POST' && m) {
      const [, model, action] = m;
      if (action === 'generateContent' || action === 'streamGenerateContent')
        return { kind: 'billed', model: model!, stream: action === 'streamGenerateContent' };
      if (action === 'countTokens') return { kind: 'free', model: model! };
      return undefined;
    }
    if (method === 'GET' && /^\/v1(?:beta|alpha)?\/models(\/[A-Za-z0-9._@-]+)?$/.test(path))
      return { kind: 'free' };
    return undefined;
  },

  presentedToken(headers, query) {
    return headerValue(headers, 'x-goog-api-key') ?? query.get('key') ?? undefined;
  },
  authHeader: (key) => ['x-goog-api-key', key],
  credentialParams: ['key'],

  error(reason, message) {
    const [status, code] = STATUS[reason];
    return { status, body: { error: { code: status, message, status: code } } };
  },

  minOutputCap: () => 1,
  requestedOutputCap(body) {
    const config = isObject(body.generationConfig) ? body.generationConfig : {};
    return typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : undefined;
  },
  applyOutputCap(body, cap) {
    const config = isObject(body.generationConfig) ? body.generationConfig : {};
    body.generationConfig = config;
    let changed = false;
    if (typeof config.maxOutputTokens !== 'number' || config.maxOutputTokens > cap) {
      config.maxOutputTokens = cap;
      changed = true;
    }
    const thinking = config.thinkingConfig;
    if (isObject(thinking) && typeof thinking.thinkingBudget === 'number' && thinking.thinkingBudget > cap) {
      thinking.thinkingBudget = cap;
      changed = true;
    }
    return changed;
  },

  conversation(body, model) {
    const contents = Array.isArray(body.contents) ? body.contents : [];
    if (contents.length === 0) return undefined;
    return {
      key: fingerprint('gemini', model, body.systemInstruction, contents[0]),
      length: contents.length,
      mayShrink: false,
    };
  },

  usageReader: () => new GeminiUsage(),
};

/** Every stream chunk may carry usageMetadata; the last is the whole call's. */
const INTEREST = interestIn([], ['"usageMetadata"', '"modelVersion"']);

class GeminiUsage implements UsageReader {
  readonly interest = INTEREST;
  readonly usage: WireUsage = emptyUsage();

  event(data: unknown): void {
    this.document(data);
  }

  document(body: unknown): void {
    if (!isObject(body)) return;
    if (typeof body.modelVersion === 'string') this.usage.model = body.modelVersion;
    const u = body.usageMetadata;
    if (!isObject(u)) return;
    const prompt = num(u.promptTokenCount) + num(u.toolUsePromptTokenCount);
    const cached = Math.min(num(u.cachedContentTokenCount), prompt);
    this.usage.inputTokens = prompt - cached;
    this.usage.cachedInputTokens = cached;
    this.usage.reasoningTokens = num(u.thoughtsTokenCount);
    this.usage.outputTokens = num(u.candidatesTokenCount) + this.usage.reasoningTokens;
    this.usage.seen = true;
  }
}
