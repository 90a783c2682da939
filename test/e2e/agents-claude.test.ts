// The real `claude` CLI driven by Drover: its Stop hook (`drover hook`) and its own budget limits.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAgentTestBed } from '../support/agentTestBed.js';
import { branchFiles } from '../support/gitRepos.js';
import { jobLog, logText } from '../support/jobLog.js';
import { CLAUDE_TEST_MODEL, startAnthropicServer } from '../support/models/anthropic.js';
import { cliBin } from '../support/models/cli.js';

const KEY = 'sk-ant-test-secret-0123456789';
const bed = useAgentTestBed('claude', CLAUDE_TEST_MODEL);
let hostHome: string;

beforeAll(() => {
  hostHome = join(bed.dir, 'host-home');
  mkdirSync(hostHome);
});

const run = (url: string, ...args: string[]) =>
  bed.run(args, {
    env: {
      HOME: hostHome,
      ANTHROPIC_BASE_URL: url,
      ANTHROPIC_API_KEY: KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
      CLAUDE_BIN: cliBin('claude'),
    },
    timeoutMs: 170_000,
  });

describe('claude agent', () => {
  it('works in the sandbox, and its Stop hook reports that it declared itself done', async () => {
    const srv = await startAnthropicServer([
      { toolUse: { name: 'Bash', input: { command: 'echo "hello from claude" > hello.txt' } } },
      { text: 'Created hello.txt.' },
    ]);
    bed.servers.push(srv);
    const res = await run(srv.url, '--prompt', 'Create hello.txt');
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'claude' });
    expect(job.turns).toBeGreaterThanOrEqual(2);
    expect(job.costUsd).toBeGreaterThan(0);
    expect((await branchFiles(bed.repo.bareDir, job.branch))['hello.txt']).toBe('hello from claude\n');

    const log = await jobLog(job.id, bed.dataDir);
    const done = log.find((e) => e.type === 'agent.done');
    expect(done, logText(log)).toMatchObject({
      stream: 'agent',
      data: { type: 'agent.done', message: 'Created hello.txt.' },
    });
    expect(logText(log)).toContain('Sandbox: workspace-write');
    // Installed per job (--settings, CLAUDE_CONFIG_DIR): nothing written to the runner's own ~/.claude.
    expect(existsSync(join(hostHome, '.claude'))).toBe(false);
    expect(existsSync(join(hostHome, '.claude.json'))).toBe(false);
  }, 180_000);

  it('with the model gateway off, stopping at its own --max-turns ends the job failed/budget', async () => {
    const srv = await startAnthropicServer({
      turns: [{ toolUse: { name: 'Bash', input: { command: 'echo round {{n}}' } } }],
      repeatLast: true,
    });
    bed.servers.push(srv);
    const res = await run(
      srv.url,
      '--prompt',
      'Loop forever',
      '--max-turns',
      '2',
      '--allow-no-changes',
      '--no-gateway',
    );
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'failed', errorKind: 'budget' });
    expect(logText(await jobLog(job.id, bed.dataDir))).toContain('Model gateway: off for this job');
    expect(job.errorMessage).toMatch(/stopped at its turn budget .*Reached maximum number of turns \(2\)/);
    expect(srv.turnsServed()).toBeLessThanOrEqual(3);
  }, 180_000);
});
