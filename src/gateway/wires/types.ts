import type { ModelWireName } from '../../pipeline/ModelAccess.js';

/** What a request path is to the gateway. */
export type RouteKind =
  /** A model call: billed, counted as a turn, under the budgets. */
  | 'billed'
  /** Forwarded with the key but free (token counting, model listings). */
  | 'free'
  /** Answered by the gateway itself (the Anthropic CLI's connectivity probe). */
  | 'probe';

export interface Route {
  kind: RouteKind;
  /** The model named by the path (Gemini), else read from the body. */
  model?: string;
  /** Streaming named by the path (Gemini `:streamGenerateContent`), else read from the body. */
  stream?: boolean;
}

/** Token usage of one call, exactly as the provider reports it for billing. */
export interface WireUsage {
  model?: string;
  /** Input not read from the cache (cache writes included). */
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  /** Of outputTokens: reasoning/thinking, which later calls of the conversation do not carry as input. */
  reasoningTokens: number;
  /** The reply carried thinking blocks (Anthropic): its output is not a lower bound of the next input. */
  thinking: boolean;
  /** The response id (OpenAI Responses), to chain `previous_response_id`. */
  responseId?: string;
  /** A usage report was seen. */
  seen: boolean;
}

export function emptyUsage(): WireUsage {
  return {
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    thinking: false,
    seen: false,
  };
}

/** Reads usage from a response as its bytes pass through (SSE events or one JSON document). */
export interface UsageReader {
  /** Which stream events can carry usage or the model (the others are never parsed). */
  interest(event: string | undefined, data: Buffer): boolean;
  /** One SSE event's data (streams). */
  event(data: unknown): void;
  /** The whole JSON body (non-streaming responses). */
  document(body: unknown): void;
  readonly usage: WireUsage;
}

/** Where a request sits in its conversation, for a lower bound of its input tokens. */
export interface ConversationPlace {
  /** Same for every call of one conversation (system prompt and first message, model). */
  key: string;
  /** Messages so far: a later call of the conversation carries more. */
  length: number;
  /** OpenAI Responses: the response this one continues on the server. */
  previousResponseId?: string;
  /** The provider may drop earlier context itself (context editing, truncation): no bound. */
  mayShrink: boolean;
}

/** A refusal as the calling CLI understands it: it stops at once instead of retrying. */
export interface WireError {
  status: number;
  body: unknown;
}

export type RefusalReason =
  | 'budget'
  | 'unauthorized'
  | 'not_found'
  | 'too_large'
  | 'too_many'
  | 'no_key'
  | 'bad_request';

/** One API dialect: its routes, credentials, error shapes, output cap and usage format. */
export interface WireSpec {
  name: ModelWireName;
  /** Path below the job's base URL → route, or undefined (404). */
  route(method: string, path: string): Route | undefined;
  /** The token the agent presented (its key header, Bearer, or a `key` query parameter). */
  presentedToken(
    headers: Record<string, string | string[] | undefined>,
    query: URLSearchParams,
  ): string | undefined;
  /** The header the real key goes in, and its value. */
  authHeader(key: string): [string, string];
  /** Query parameters carrying credentials: dropped. */
  readonly credentialParams: readonly string[];
  error(reason: RefusalReason, message: string): WireError;
  /** Smallest output cap the API accepts for this request (e.g. Anthropic thinking needs > 1024). */
  minOutputCap(body: Record<string, unknown>): number;
  /** The request's own output cap, if it sets one. */
  requestedOutputCap(body: Record<string, unknown>): number | undefined;
  /** Lowers (or sets) the request's output cap; true when the body changed. */
  applyOutputCap(body: Record<string, unknown>, cap: number, model: string | undefined): boolean;
  /** Adjusts a request before it goes out (e.g. ask a stream for its usage); true when the body changed. */
  prepare?(body: Record<string, unknown>, stream: boolean): boolean;
  conversation(body: Record<string, unknown>, model: string | undefined): ConversationPlace | undefined;
  usageReader(): UsageReader;
}

export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function bearer(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headerValue(headers, 'authorization');
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m?.[1];
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * An SSE interest test: events with one of these names, or (unnamed) whose data holds one of the keys
 * near its start (`type` comes first) or its end (usage follows the content). Only those ends are
 * searched, so a long content delta costs nothing.
 */
export function interestIn(names: readonly string[], keys: readonly string[]) {
  const named = new Set(names);
  const raw = keys.map((k) => Buffer.from(k));
  return (event: string | undefined, data: Buffer): boolean => {
    if (event) return named.has(event);
    if (data.length <= HEAD + TAIL) return raw.some((k) => data.includes(k));
    const head = data.subarray(0, HEAD);
    const tail = data.subarray(data.length - TAIL);
    return raw.some((k) => head.includes(k) || tail.includes(k));
  };
}
const HEAD = 256;
const TAIL = 4096;
