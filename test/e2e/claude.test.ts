import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type BareRepo, createBareRepo, readFileAtRef } from '../support/gitRepos.js';
import { CLAUDE_TEST_MODEL, cliBin, minimalPath, startAnthropicServer } from '../support/models/index.js';

let repo: BareRepo;
let root: string;

beforeAll(async () => {
  repo = await createBareRepo();
  root = mkdtempSync(join(tmpdir(), 'drover-claude-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(root, { recursive: true, force: true });
});

/** Drover's environment for a real `claude` against our scripted server (nothing from the host's config). */
function claudeRunEnv(url: string): Record<string, string> {
  return {
    PATH: minimalPath(),
    CLAUDE_BIN: cliBin('claude'),
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: 'sk-ant-test-key-0123456789',
    CLAUDE_CODE_MAX_RETRIES: '0',
    DROVER_WORK_DIR: join(root, 'work'),
  };
}

function runClaude(prompt: string, url: string) {
  return runDrover(
    [
      'run',
      '--repo',
      repo.bareDir,
      '--prompt',
      prompt,
      '--agent',
      'claude',
      '--model',
      CLAUDE_TEST_MODEL,
      '--json',
      '--data-dir',
      join(root, 'data'),
    ],
    { env: claudeRunEnv(url), timeoutMs: 150_000 },
  );
}

describe('the claude agent (real Claude Code binary)', () => {
  it('writes a file through its Write tool; Drover commits and pushes it and records cost and turns', async () => {
    const server = await startAnthropicServer([
      {
        text: 'I will add the endpoint.',
        toolUse: { name: 'Write', input: { file_path: '{{cwd}}/health.txt', content: 'ok\n' } },
      },
      { text: 'Added health.txt.' },
    ]);
    try {
      const res = await runClaude('Add a /health endpoint', server.url);
      const record = JSON.parse(res.stdout);
      expect(record, res.stderr).toMatchObject({ status: 'succeeded', agent: 'claude', exitCode: 0 });
      expect(await readFileAtRef(repo.bareDir, record.branch, 'health.txt')).toBe('ok\n');
      expect(record.turns).toBeGreaterThanOrEqual(2);
      expect(record.costUsd).toBeGreaterThan(0);
      // The prompt reached the model; the API key never reached Drover's output.
      expect(JSON.stringify(server.requests[0])).toContain('Add a /health endpoint');
      expect(res.stdout + res.stderr).not.toContain('sk-ant-test-key-0123456789');
      // Parsed events are in the log: the tool call, its result and the final result.
      const entries = (
        await runDrover(['logs', record.id, '--json', '--data-dir', join(root, 'data')])
      ).stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const types = entries.filter((e) => e.stream === 'agent').map((e) => e.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'agent.init',
          'agent.text',
          'agent.tool_call',
          'agent.tool_result',
          'agent.result',
        ]),
      );
      expect(entries.find((e) => e.type === 'agent.tool_call').data).toMatchObject({ name: 'Write' });
      expect(entries.find((e) => e.type === 'agent.result').data).toMatchObject({
        ok: true,
        message: 'Added health.txt.',
      });
      // The raw stream-json transcript is kept as an artifact.
      const transcript = readFileSync(join(root, 'data', 'artifacts', record.id, 'transcript.jsonl'), 'utf8');
      expect(transcript).toContain('"type":"result"');
    } finally {
      await server.close();
    }
  }, 180_000);

  it('fails the job with agent_error when Claude Code reports is_error, whatever its exit code', async () => {
    const server = await startAnthropicServer([
      { error: { status: 500, type: 'api_error', message: 'model overloaded' } },
    ]);
    try {
      const res = await runClaude('x', server.url);
      expect(res.code).toBe(1);
      const record = JSON.parse(res.stdout);
      expect(record).toMatchObject({ status: 'failed', errorKind: 'agent_error' });
      expect(record.errorMessage).toMatch(/^The agent reported an error: /);
    } finally {
      await server.close();
    }
  }, 180_000);
});
