// Scripted fake of the OpenAI Responses API (streaming), for end-to-end runs of the real `codex` CLI.
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

/**
 * One model reply; any of `text`, `shell`, `functionCall`, `applyPatch` may be combined (in that order).
 * `shell` calls Codex's shell tool (`exec_command {cmd}`); `functionCall` calls any declared function
 * tool; `applyPatch` calls the freeform (custom, grammar) `apply_patch` tool, which Codex declares only
 * for models it knows (e.g. `gpt-5.5`, not unknown names).
 * A reply with a call makes Codex run it and ask again; a text-only reply ends the turn.
 * `error` answers with an HTTP error instead.
 */
export interface ResponsesTurn extends Repeatable {
  text?: string;
  shell?: string;
  functionCall?: { name: string; arguments: Record<string, unknown> };
  /** Freeform `apply_patch` input ("*** Begin Patch\n*** Add File: x\n+line\n*** End Patch\n"). */
  applyPatch?: string;
  error?: { status: number; type?: string; message: string };
  usage?: { input_tokens?: number; output_tokens?: number; cached_tokens?: number };
}

export type ResponsesServer = ModelServer;

/** Name and argument key of the shell tool codex 0.169 declares (checked against its `tools`). */
export const CODEX_SHELL_TOOL = 'exec_command';
// A model in codex's built-in list: unknown names print a metadata `error` item and lose apply_patch.
export const CODEX_TEST_MODEL = 'gpt-5.5';
export const CODEX_TEST_KEY_ENV = 'DROVER_TEST_KEY';

const DEFAULT_USAGE = { input_tokens: 1500, output_tokens: 60 };
let ids = 0;
const nextId = (prefix: string): string =>
  `${prefix}_drover${Date.now().toString(36)}${(ids++).toString(36)}`;

/**
 * Main-conversation rule: every `POST /v1/responses` consumes the next turn. Codex 0.169 `exec` sent
 * no side requests in our runs (all carried `client_metadata["x-codex-turn-metadata"].request_kind:
 * "turn"`), and some built-in models (e.g. gpt-6.1-sol) are sent no `tools` at all, so a tools-based
 * rule would silently skip the script. Kept as a function so the rule can tighten if that changes.
 */
export function isResponsesMainRequest(_body: unknown): boolean {
  return true;
}

export async function startResponsesServer(script: Script<ResponsesTurn>): Promise<ResponsesServer> {
  const cursor = new ScriptCursor(script);
  const server = await listen((_req, res, record) => {
    const { method, path } = record;
    if (method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: [], models: [] });
      return;
    }
    if (method === 'POST' && path === '/v1/responses') {
      const body = isRecord(record.body) ? record.body : {};
      const model = typeof body.model === 'string' ? body.model : CODEX_TEST_MODEL;
      if (!isResponsesMainRequest(body)) {
        record.usage = reply(res, model, { text: 'ok' });
        return;
      }
      record.usage = reply(res, model, cursor.take(record) ?? { text: 'done' });
      return;
    }
    sendJson(res, 404, { error: { type: 'not_found', message: `no route ${method} ${path}` } });
  });
  return { ...server, requests: cursor.requests, turnsServed: () => cursor.served };
}

/** Answers one call; returns the usage it reported (undefined for an error). */
function reply(res: ServerResponse, model: string, turn: ResponsesTurn): Record<string, number> | undefined {
  if (turn.error) {
    const { status, type, message } = turn.error;
    sendJson(res, status, { error: { type: type ?? 'server_error', message, code: null, param: null } });
    return undefined;
  }
  const usage = { cached_tokens: 0, ...DEFAULT_USAGE, ...turn.usage };
  const responseId = nextId('resp');
  const events: { event: string; data: unknown }[] = [];
  let seq = 0;
  const push = (data: Record<string, unknown>): void => {
    events.push({ event: data.type as string, data: { ...data, sequence_number: seq++ } });
  };
  const base = {
    id: responseId,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model,
    parallel_tool_calls: false,
    tool_choice: 'auto',
    tools: [],
  };
  push({ type: 'response.created', response: { ...base, status: 'in_progress', output: [] } });
  push({ type: 'response.in_progress', response: { ...base, status: 'in_progress', output: [] } });

  const output: Record<string, unknown>[] = [];
  const hasCall =
    turn.shell !== undefined || turn.functionCall !== undefined || turn.applyPatch !== undefined;
  if (turn.text !== undefined || !hasCall) {
    const text = turn.text ?? 'done';
    const output_index = output.length;
    const item_id = nextId('msg');
    const part = { type: 'output_text', text, annotations: [] };
    const item = { id: item_id, type: 'message', status: 'completed', role: 'assistant', content: [part] };
    push({
      type: 'response.output_item.added',
      output_index,
      item: { ...item, status: 'in_progress', content: [] },
    });
    push({
      type: 'response.content_part.added',
      item_id,
      output_index,
      content_index: 0,
      part: { ...part, text: '' },
    });
    push({ type: 'response.output_text.delta', item_id, output_index, content_index: 0, delta: text });
    push({ type: 'response.output_text.done', item_id, output_index, content_index: 0, text });
    push({ type: 'response.content_part.done', item_id, output_index, content_index: 0, part });
    push({ type: 'response.output_item.done', output_index, item });
    output.push(item);
  }
  const calls: { name: string; arguments: Record<string, unknown> }[] = [];
  if (turn.shell !== undefined) calls.push({ name: CODEX_SHELL_TOOL, arguments: { cmd: turn.shell } });
  if (turn.functionCall !== undefined) calls.push(turn.functionCall);
  for (const call of calls) {
    const output_index = output.length;
    const item_id = nextId('fc');
    const args = JSON.stringify(call.arguments);
    const item = {
      id: item_id,
      type: 'function_call',
      status: 'completed',
      call_id: nextId('call'),
      name: call.name,
      arguments: args,
    };
    push({
      type: 'response.output_item.added',
      output_index,
      item: { ...item, status: 'in_progress', arguments: '' },
    });
    push({ type: 'response.function_call_arguments.delta', item_id, output_index, delta: args });
    push({ type: 'response.function_call_arguments.done', item_id, output_index, arguments: args });
    push({ type: 'response.output_item.done', output_index, item });
    output.push(item);
  }
  if (turn.applyPatch !== undefined) {
    const output_index = output.length;
    const item_id = nextId('ctc');
    const input = turn.applyPatch;
    const item = {
      id: item_id,
      type: 'custom_tool_call',
      status: 'completed',
      call_id: nextId('call'),
      name: 'apply_patch',
      input,
    };
    push({
      type: 'response.output_item.added',
      output_index,
      item: { ...item, status: 'in_progress', input: '' },
    });
    push({ type: 'response.custom_tool_call_input.delta', item_id, output_index, delta: input });
    push({ type: 'response.custom_tool_call_input.done', item_id, output_index, input });
    push({ type: 'response.output_item.done', output_index, item });
    output.push(item);
  }
  push({
    type: 'response.completed',
    response: {
      ...base,
      status: 'completed',
      output,
      usage: {
        input_tokens: usage.input_tokens,
        input_tokens_details: { cached_tokens: usage.cached_tokens },
        output_tokens: usage.output_tokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.input_tokens + usage.output_tokens,
      },
    },
  });
  sendSse(res, events);
  return usage;
}

export interface CodexHomeOptions {
  model?: string;
  /** Retries codex makes on HTTP / stream errors; 0 makes error turns fail fast (its default is 4-5). */
  retries?: number;
  /** Extra top-level TOML lines appended before the provider table. */
  extraToml?: string;
}

/**
 * Writes `<dir>/config.toml` pointing codex at the fake server (`url` is the server base URL, without
 * `/v1`) through a custom provider; codex ignores OPENAI_BASE_URL. Returns `dir` (use as CODEX_HOME).
 * The key is read from `DROVER_TEST_KEY` (see codexEnv).
 */
export function codexHome(dir: string, url: string, opts: CodexHomeOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const retries =
    opts.retries === undefined
      ? ''
      : `request_max_retries = ${opts.retries}\nstream_max_retries = ${opts.retries}\n`;
  const toml =
    `model = "${opts.model ?? CODEX_TEST_MODEL}"\n` +
    'model_provider = "drover-test"\n' +
    (opts.extraToml ? `${opts.extraToml}\n` : '') +
    '\n[model_providers.drover-test]\n' +
    'name = "drover-test"\n' +
    `base_url = "${url}/v1"\n` +
    `env_key = "${CODEX_TEST_KEY_ENV}"\n` +
    'wire_api = "responses"\n' +
    retries;
  writeFileSync(join(dir, 'config.toml'), toml);
  return dir;
}

/** Environment for `codex exec` against the fake server (spread over a minimal base env). */
export function codexEnv(codexHomeDir: string, home: string): Record<string, string> {
  return { CODEX_HOME: codexHomeDir, HOME: home, [CODEX_TEST_KEY_ENV]: 'test-key' };
}
