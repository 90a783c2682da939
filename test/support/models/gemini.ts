// Scripted fake of the Gemini API (v1beta generateContent family), for end-to-end runs of `gemini`.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  isRecord,
  listen,
  type ModelServer,
  type Repeatable,
  type Script,
  ScriptCursor,
  sendJson,
  sendSse,
} from './http.js';

export interface GeminiFunctionCall {
  name: string;
  args: Record<string, unknown>;
}

/**
 * One model reply: `text` and `functionCall` may be combined (text part first). Tool names are the
 * CLI's own (`write_file {file_path, content}`, `run_shell_command {command}`, ...). `error` answers
 * with an HTTP error in Google's error shape instead.
 */
export interface GeminiTurn extends Repeatable {
  text?: string;
  functionCall?: GeminiFunctionCall | GeminiFunctionCall[];
  error?: { status: number; message: string; reason?: string };
  usage?: { promptTokenCount?: number; candidatesTokenCount?: number };
}

export type GeminiServer = ModelServer;

export const GEMINI_TEST_MODEL = 'gemini-2.5-pro';
const DEFAULT_USAGE = { promptTokenCount: 1400, candidatesTokenCount: 70 };
let ids = 0;
const nextId = (): string => `drover${Date.now().toString(36)}${(ids++).toString(36)}`;

/**
 * Main-conversation rule: a `:streamGenerateContent` or `:generateContent` request whose body declares
 * tools (`tools[].functionDeclarations` non-empty) consumes the next turn. Tool-less helper calls
 * (model routing, next-speaker / loop checks with a JSON response schema, summaries) get a canned reply.
 */
export function isGeminiMainRequest(body: unknown): boolean {
  if (!isRecord(body) || !Array.isArray(body.tools)) return false;
  return body.tools.some(
    (t) => isRecord(t) && Array.isArray(t.functionDeclarations) && t.functionDeclarations.length > 0,
  );
}

export async function startGeminiServer(script: Script<GeminiTurn>): Promise<GeminiServer> {
  const cursor = new ScriptCursor(script);
  const server = await listen((_req, res, record) => {
    const { method, path } = record;
    // Paths look like /v1beta/models/gemini-2.5-pro:streamGenerateContent.
    const m = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):([A-Za-z]+)$/.exec(path);
    if (method === 'POST' && m) {
      const model = m[1] ?? GEMINI_TEST_MODEL;
      const action = m[2];
      if (action === 'countTokens') {
        sendJson(res, 200, {
          totalTokens: Math.max(1, Math.ceil(JSON.stringify(record.body ?? '').length / 4)),
        });
        return;
      }
      if (action === 'streamGenerateContent' || action === 'generateContent') {
        const stream = action === 'streamGenerateContent';
        if (!isGeminiMainRequest(record.body)) {
          record.usage = reply(res, stream, model, { text: sideReplyText(record.body) });
          return;
        }
        record.usage = reply(res, stream, model, cursor.take(record) ?? { text: 'done' });
        return;
      }
    }
    if (method === 'GET' && /^\/v1(?:beta|alpha)?\/models\/?$/.test(path)) {
      sendJson(res, 200, { models: [] });
      return;
    }
    sendJson(res, 404, { error: { code: 404, message: `no route ${method} ${path}`, status: 'NOT_FOUND' } });
  });
  return { ...server, requests: cursor.requests, turnsServed: () => cursor.served };
}

// Helper calls that ask for JSON get an object filled from their response schema: the router's
// {complexity_reasoning, complexity_score}, the LLM loop check's {unproductive_state_analysis,
// unproductive_state_confidence}, a next-speaker check's {reasoning, next_speaker: 'user'}, ...
function sideReplyText(body: unknown): string {
  const config = isRecord(body) && isRecord(body.generationConfig) ? body.generationConfig : {};
  if (config.responseMimeType !== 'application/json') return 'ok';
  const schema = config.responseJsonSchema ?? config.responseSchema;
  return JSON.stringify(fillSchema(schema, ''));
}

function fillSchema(schema: unknown, key: string): unknown {
  if (!isRecord(schema)) return 'ok';
  if (key === 'next_speaker') return 'user';
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (String(schema.type).toLowerCase()) {
    case 'object': {
      const props = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fillSchema(v, k)]));
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 0; // e.g. the LLM loop check's unproductive_state_confidence: 0 means "not looping".
    case 'boolean':
      return false;
    default:
      return 'scripted test server';
  }
}

/** Answers one call; returns the usage it reported (undefined for an error). */
function reply(
  res: ServerResponse,
  stream: boolean,
  model: string,
  turn: GeminiTurn,
): Record<string, number> | undefined {
  if (turn.error) {
    const { status, message, reason } = turn.error;
    sendJson(res, status, {
      error: {
        code: status,
        message,
        status: reason ?? (status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL'),
      },
    });
    return undefined;
  }
  const usage = { ...DEFAULT_USAGE, ...turn.usage };
  const parts: Record<string, unknown>[] = [];
  if (turn.text !== undefined) parts.push({ text: turn.text });
  const calls =
    turn.functionCall === undefined
      ? []
      : Array.isArray(turn.functionCall)
        ? turn.functionCall
        : [turn.functionCall];
  for (const c of calls) parts.push({ functionCall: { name: c.name, args: c.args } });
  if (parts.length === 0) parts.push({ text: 'done' });
  const body = {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: usage.promptTokenCount,
      candidatesTokenCount: usage.candidatesTokenCount,
      totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount,
    },
    modelVersion: model,
    responseId: nextId(),
  };
  if (stream) sendSse(res, [{ data: body }]);
  else sendJson(res, 200, body);
  return usage;
}

export interface GeminiHomeOptions {
  /** Attempts per model call (settings `general.maxAttempts`); 1 makes error turns fail fast (default 10). */
  maxAttempts?: number;
  /** Merged over the generated settings.json. */
  settings?: Record<string, unknown>;
}

/**
 * Creates `<home>/.gemini/settings.json` selecting API-key auth (without it GEMINI_API_KEY alone exits
 * 41 "Invalid auth method selected"). Returns `home`, to be used as HOME.
 */
export function geminiHome(home: string, opts: GeminiHomeOptions = {}): string {
  mkdirSync(join(home, '.gemini'), { recursive: true });
  const settings: Record<string, unknown> = { security: { auth: { selectedType: 'gemini-api-key' } } };
  if (opts.maxAttempts !== undefined) settings.general = { maxAttempts: opts.maxAttempts };
  writeFileSync(
    join(home, '.gemini', 'settings.json'),
    JSON.stringify({ ...settings, ...opts.settings }, null, 2),
  );
  return home;
}

/**
 * Environment for `gemini -p ... --yolo -m <model>` against the fake server (spread over a minimal
 * base env). GEMINI_CLI_NO_RELAUNCH keeps it a single process: by default it re-spawns itself as a child
 * that keeps the stdio pipes open (and keeps running) when only the parent is killed.
 */
export function geminiEnv(url: string, home: string): Record<string, string> {
  return {
    HOME: home,
    GOOGLE_GEMINI_BASE_URL: url,
    GEMINI_API_KEY: 'test-key',
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    GEMINI_CLI_NO_RELAUNCH: 'true',
  };
}
