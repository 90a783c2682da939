// Smoke tests: each scripted model server drives the real CLI through a tool call and a final answer.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLAUDE_TEST_MODEL, claudeEnv, startAnthropicServer } from './anthropic.js';
import { cliBin, minimalPath, runCli } from './cli.js';
import { GEMINI_TEST_MODEL, geminiEnv, geminiHome, startGeminiServer } from './gemini.js';
import type { ModelServer } from './http.js';
import { CODEX_SHELL_TOOL, codexEnv, codexHome, startResponsesServer } from './openaiResponses.js';

const CLI_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 120_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function track<S extends ModelServer>(server: Promise<S>): Promise<S> {
  const s = await server;
  cleanups.push(() => s.close());
  return s;
}

/** A temp dir with a git repo in `<dir>/work`. */
async function tempRepo(): Promise<{ dir: string; work: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'drover-models-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const work = join(dir, 'work');
  await mkdir(work);
  execFileSync('git', ['init', '-q'], { cwd: work });
  return { dir, work };
}

function sse(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
}

describe('scripted servers (HTTP only)', () => {
  it('anthropic: streams turns in order, answers side requests and probes without consuming the script', async () => {
    const srv = await track(startAnthropicServer([{ toolUse: { name: 'Bash', input: { command: 'ls' } } }]));
    const post = (body: unknown) =>
      fetch(`${srv.url}/v1/messages?beta=true`, { method: 'POST', body: JSON.stringify(body) });

    expect((await fetch(`${srv.url}/api/hello`, { method: 'HEAD' })).status).toBe(200);
    const side = await (await post({ model: 'claude-haiku-4-5', max_tokens: 1, messages: [] })).json();
    expect(side).toMatchObject({ type: 'message', stop_reason: 'end_turn' });

    const main = {
      model: 'm',
      stream: true,
      tools: [{ name: 'Bash' }],
      messages: [{ role: 'user', content: 'hi' }],
    };
    const events = sse(await (await post(main)).text());
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[2]).toMatchObject({ content_block: { type: 'tool_use', name: 'Bash' } });
    expect(events[3]).toMatchObject({
      delta: { type: 'input_json_delta', partial_json: '{"command":"ls"}' },
    });
    expect(events[5]).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 80 } });

    // Exhausted script: a final "done".
    const done = await (await post({ ...main, stream: false })).json();
    expect(done).toMatchObject({ content: [{ type: 'text', text: 'done' }], stop_reason: 'end_turn' });
    expect(srv.requests).toHaveLength(2);
    expect(srv.allRequests.filter((r) => !r.main)).toHaveLength(2);
  });

  it('repeat keeps replaying the last turn with {{n}} substituted; error turns return API errors', async () => {
    const srv = await track(
      startGeminiServer({
        turns: [
          { error: { status: 400, message: 'bad' } },
          { functionCall: { name: 'run_shell_command', args: { command: 'echo {{n}}' } } },
        ],
        repeatLast: true,
      }),
    );
    const call = () =>
      fetch(`${srv.url}/v1beta/models/${GEMINI_TEST_MODEL}:generateContent`, {
        method: 'POST',
        body: JSON.stringify({
          contents: [],
          tools: [{ functionDeclarations: [{ name: 'run_shell_command' }] }],
        }),
      });
    expect((await call()).status).toBe(400);
    for (const n of [2, 3, 4]) {
      const body = (await (await call()).json()) as { candidates: { content: { parts: unknown[] } }[] };
      expect(body.candidates[0]?.content.parts).toEqual([
        { functionCall: { name: 'run_shell_command', args: { command: `echo ${n}` } } },
      ]);
    }
    expect(srv.turnsServed()).toBe(4);
  });

  it('responses: a shell turn becomes an exec_command function call, then usage on completion', async () => {
    const srv = await track(startResponsesServer([{ shell: 'echo hi' }]));
    const res = await fetch(`${srv.url}/v1/responses`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', stream: true, input: [], tools: [{ type: 'function', name: 'x' }] }),
    });
    const events = sse(await res.text());
    expect(events.map((e) => e.type)).toContain('response.output_item.added');
    const done = events.find((e) => e.type === 'response.output_item.done');
    expect(done).toMatchObject({
      item: { type: 'function_call', name: CODEX_SHELL_TOOL, arguments: '{"cmd":"echo hi"}' },
    });
    expect(events.at(-1)).toMatchObject({
      type: 'response.completed',
      response: { usage: { input_tokens: 1500 } },
    });
  });
});

describe('real CLIs against the scripted servers', () => {
  it(
    'claude writes a file through a Write tool_use and reports cost',
    async () => {
      const { dir, work } = await tempRepo();
      const target = join(work, 'hello.txt');
      const srv = await track(
        startAnthropicServer([
          { toolUse: { name: 'Write', input: { file_path: target, content: 'hello from drover\n' } } },
          { text: 'Wrote hello.txt.' },
        ]),
      );
      const args = ['-p', 'Create hello.txt', '--output-format', 'stream-json', '--verbose'];
      args.push('--dangerously-skip-permissions', '--model', CLAUDE_TEST_MODEL);
      const run = await runCli(cliBin('claude'), args, {
        cwd: work,
        env: { ...claudeEnv(srv.url, dir), PATH: minimalPath() },
        timeoutMs: CLI_TIMEOUT_MS,
      });

      expect(run.code, run.stderr).toBe(0);
      expect(await readFile(target, 'utf8')).toBe('hello from drover\n');
      const result = run.events.find((e) => e.type === 'result');
      expect(result).toMatchObject({ is_error: false, result: 'Wrote hello.txt.' });
      expect(result?.num_turns).toBeGreaterThanOrEqual(2);
      expect(result?.total_cost_usd).toBeGreaterThan(0);
      // The prompt reached the model, and the tool result came back on the second request.
      expect(JSON.stringify(srv.requests[0])).toContain('Create hello.txt');
      expect(JSON.stringify(srv.requests[1])).toContain('"type":"tool_result"');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'claude stops on --max-budget-usd when the last turn repeats forever',
    async () => {
      const { dir, work } = await tempRepo();
      const srv = await track(
        startAnthropicServer({
          turns: [{ toolUse: { name: 'Bash', input: { command: 'echo {{n}}' } } }],
          repeatLast: true,
        }),
      );
      const args = [
        '-p',
        'Loop',
        '--output-format',
        'stream-json',
        '--verbose',
        '--dangerously-skip-permissions',
      ];
      args.push('--model', CLAUDE_TEST_MODEL, '--max-budget-usd', '0.02');
      const run = await runCli(cliBin('claude'), args, {
        cwd: work,
        env: { ...claudeEnv(srv.url, dir), PATH: minimalPath() },
        timeoutMs: CLI_TIMEOUT_MS,
      });

      expect(run.timedOut).toBe(false);
      const result = run.events.find((e) => e.type === 'result');
      expect(result).toMatchObject({ subtype: 'error_max_budget_usd', terminal_reason: 'budget_exhausted' });
      // Default usage costs $0.0048 a call at Sonnet prices: the limit is crossed on the 5th.
      expect(srv.turnsServed()).toBeGreaterThanOrEqual(4);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'codex runs a shell command through exec_command and reports usage',
    async () => {
      const { dir, work } = await tempRepo();
      const srv = await track(
        startResponsesServer([{ shell: 'echo hi > codex.txt' }, { text: 'Created codex.txt.' }]),
      );
      const home = join(dir, 'home');
      await mkdir(home);
      const codexHomeDir = codexHome(join(dir, 'codex-home'), srv.url);
      const args = ['exec', '--json', '--skip-git-repo-check', '-C', work, '--sandbox', 'danger-full-access'];
      args.push('Create codex.txt');
      const run = await runCli(cliBin('codex'), args, {
        cwd: work,
        env: { ...codexEnv(codexHomeDir, home), PATH: minimalPath() },
        timeoutMs: CLI_TIMEOUT_MS,
      });

      expect(run.code, run.stderr).toBe(0);
      expect(await readFile(join(work, 'codex.txt'), 'utf8')).toBe('hi\n');
      const exec = run.events.find(
        (e) => e.type === 'item.completed' && (e.item as { type?: string }).type === 'command_execution',
      );
      expect(exec).toMatchObject({ item: { exit_code: 0, status: 'completed' } });
      expect(run.events).toContainEqual(
        expect.objectContaining({
          type: 'item.completed',
          item: expect.objectContaining({ type: 'agent_message' }),
        }),
      );
      const turn = run.events.find((e) => e.type === 'turn.completed') as { usage?: Record<string, number> };
      expect(turn?.usage?.input_tokens).toBeGreaterThan(0);
      expect(turn?.usage?.output_tokens).toBeGreaterThan(0);
      // A known model: no "model metadata not found" error item.
      expect(run.events.some((e) => (e.item as { type?: string } | undefined)?.type === 'error')).toBe(false);
      expect(JSON.stringify(srv.requests[1])).toContain('function_call_output');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'gemini writes a file through write_file and prints a result line',
    async () => {
      const { dir, work } = await tempRepo();
      const target = join(work, 'gem.txt');
      const srv = await track(
        startGeminiServer([
          { functionCall: { name: 'write_file', args: { file_path: target, content: 'hello gemini\n' } } },
          { text: 'Wrote gem.txt.' },
        ]),
      );
      const home = geminiHome(join(dir, 'home'));
      const run = await runCli(
        cliBin('gemini'),
        ['-p', 'Create gem.txt', '-o', 'stream-json', '--yolo', '-m', GEMINI_TEST_MODEL],
        { cwd: work, env: { ...geminiEnv(srv.url, home), PATH: minimalPath() }, timeoutMs: CLI_TIMEOUT_MS },
      );

      expect(run.code, run.stderr).toBe(0);
      expect(await readFile(target, 'utf8')).toBe('hello gemini\n');
      expect(run.events).toContainEqual(
        expect.objectContaining({ type: 'tool_use', tool_name: 'write_file' }),
      );
      expect(run.events).toContainEqual(expect.objectContaining({ type: 'tool_result', status: 'success' }));
      const result = run.events.find((e) => e.type === 'result');
      expect(result).toMatchObject({ status: 'success', stats: { tool_calls: 1 } });
      expect(JSON.stringify(srv.requests[1])).toContain('functionResponse');
      expect(existsSync(join(home, '.gemini', 'settings.json'))).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
