// Scripted fake of the Anthropic Messages API, for end-to-end runs of the real `claude` CLI.
import { mkdirSync } from 'node:fs';
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

export interface AnthropicToolUse {
  name: string;
  input: Record<string, unknown>;
}

/**
 * One model reply. `text` and `toolUse` may be combined (text block first); a reply with tool uses
 * stops with `tool_use`, otherwise `end_turn`. `error` replaces the whole reply with an API error.
 */
export interface AnthropicTurn extends Repeatable {
  text?: string;
  toolUse?: AnthropicToolUse | AnthropicToolUse[];
  error?: { status: number; type: string; message: string };
  /** Token counts reported for this reply; the defaults give Claude Code a small nonzero cost. */
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_creation_input_tokens?: number;
    cache_read_input_tokens?: number;
  };
}

export type AnthropicServer = ModelServer;

/** A model name Claude Code knows the price of, so `total_cost_usd` comes out nonzero. */
export const CLAUDE_TEST_MODEL = 'claude-sonnet-4-5';

const DEFAULT_USAGE = { input_tokens: 1200, output_tokens: 80 };
let ids = 0;
const nextId = (prefix: string): string =>
  `${prefix}_drover${Date.now().toString(36)}${(ids++).toString(36)}`;

/**
 * Main-conversation rule: a `POST /v1/messages` whose body carries a non-empty `tools` array consumes
 * the next turn. Claude Code's side requests (title / topic generation, quota probes, small-model
 * helpers) send no tools and get a canned reply without touching the script.
 */
export function isAnthropicMainRequest(body: unknown): boolean {
  return isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0;
}

export async function startAnthropicServer(script: Script<AnthropicTurn>): Promise<AnthropicServer> {
  const cursor = new ScriptCursor(script);
  const server = await listen((_req, res, record) => {
    const { method, path } = record;
    if (method === 'HEAD' || (method === 'GET' && path === '/api/hello')) {
      // Connectivity probes (`HEAD /`, `/api/hello`).
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(method === 'HEAD' ? undefined : '{"message":"hello"}');
      return;
    }
    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      sendJson(res, 200, { input_tokens: roughTokens(record.body) });
      return;
    }
    if (method === 'POST' && path === '/v1/messages') {
      const body = isRecord(record.body) ? record.body : {};
      const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-5';
      const stream = body.stream === true;
      if (!isAnthropicMainRequest(body)) {
        record.usage = reply(res, stream, model, { text: sideReplyText(body) });
        return;
      }
      record.usage = reply(res, stream, model, withCwd(cursor.take(record) ?? { text: 'done' }, body));
      return;
    }
    sendJson(res, 404, {
      type: 'error',
      error: { type: 'not_found_error', message: `no route ${method} ${path}` },
    });
  });
  return { ...server, requests: cursor.requests, turnsServed: () => cursor.served };
}

// Title generation asks for JSON ({"title": ...}); anything else just needs some short text.
function sideReplyText(body: Record<string, unknown>): string {
  const system = JSON.stringify(body.system ?? '');
  if (/title/i.test(system)) return '{"title": "Drover test session"}';
  return 'ok';
}

function roughTokens(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body ?? '').length / 4));
}

/** Answers one call; returns the usage it reported (undefined for an error). */
function reply(
  res: ServerResponse,
  stream: boolean,
  model: string,
  turn: AnthropicTurn,
): Record<string, number> | undefined {
  if (turn.error) {
    const { status, type, message } = turn.error;
    sendJson(res, status, { type: 'error', error: { type, message } });
    return undefined;
  }
  const usage = {
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...DEFAULT_USAGE,
    ...turn.usage,
  };
  const blocks: Record<string, unknown>[] = [];
  if (turn.text !== undefined) blocks.push({ type: 'text', text: turn.text });
  const toolUses =
    turn.toolUse === undefined ? [] : Array.isArray(turn.toolUse) ? turn.toolUse : [turn.toolUse];
  for (const t of toolUses)
    blocks.push({ type: 'tool_use', id: nextId('toolu'), name: t.name, input: t.input });
  if (blocks.length === 0) blocks.push({ type: 'text', text: 'done' });
  const stopReason = toolUses.length > 0 ? 'tool_use' : 'end_turn';
  const id = nextId('msg');

  if (!stream) {
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: blocks,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
    return usage;
  }

  const events: { event: string; data: unknown }[] = [];
  const push = (data: Record<string, unknown>): void => {
    events.push({ event: data.type as string, data });
  };
  push({
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: 1,
      },
    },
  });
  push({ type: 'ping' });
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else {
      push({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      push({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    }
    push({ type: 'content_block_stop', index });
  });
  // The API's message_delta usage is cumulative (newer versions repeat the input side there too).
  push({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { ...usage },
  });
  push({ type: 'message_stop' });
  sendSse(res, events);
  return usage;
}

export interface ClaudeEnvOptions {
  /**
   * CLAUDE_CODE_MAX_RETRIES. Claude Code retries 5xx/429 with backoff for minutes; 0 makes an error turn
   * fail at once. (A 400 is still re-sent a few times with fewer betas/tools, retries or not.)
   */
  maxRetries?: number;
}

/**
 * Environment for `claude -p ... --output-format stream-json --verbose --dangerously-skip-permissions
 * --model claude-sonnet-4-5` against the fake server (spread over a minimal base env with PATH).
 * Creates `<dir>/claude-config` (CLAUDE_CONFIG_DIR) and `<dir>/home` (HOME) so nothing leaks into
 * or out of the real home. IS_SANDBOX=1 lets root use --dangerously-skip-permissions.
 */
export function claudeEnv(url: string, dir: string, opts: ClaudeEnvOptions = {}): Record<string, string> {
  const configDir = join(dir, 'claude-config');
  const home = join(dir, 'home');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const env: Record<string, string> = {
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: 'test-key',
    IS_SANDBOX: '1',
    CLAUDE_CONFIG_DIR: configDir,
    HOME: home,
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  if (opts.maxRetries !== undefined) env.CLAUDE_CODE_MAX_RETRIES = String(opts.maxRetries);
  return env;
}

/**
 * `{{cwd}}` in a turn becomes the agent's working directory, read from the request's
 * "Primary working directory: <path>" line (system prompt or environment block), so a script can use absolute paths (Write needs them).
 */
function withCwd(turn: AnthropicTurn, body: unknown): AnthropicTurn {
  const text = JSON.stringify(body);
  const cwd = /[Ww]orking directory: ([^\\"]+?)(?:\\n|"|\s*<)/.exec(text)?.[1]?.trim();
  if (!cwd) return turn;
  return JSON.parse(JSON.stringify(turn).replaceAll('{{cwd}}', cwd)) as AnthropicTurn;
}
