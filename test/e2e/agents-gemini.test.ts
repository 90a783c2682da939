// The real `gemini` CLI driven by Drover against our scripted Gemini API server on loopback.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAgentTestBed } from '../support/agentTestBed.js';
import { branchFiles } from '../support/gitRepos.js';
import { jobLog, logText } from '../support/jobLog.js';
import { cliBin } from '../support/models/cli.js';
import { GEMINI_TEST_MODEL, startGeminiServer } from '../support/models/gemini.js';
import { processesMatching } from '../support/processes.js';

const KEY = 'gemini-test-secret-0123456789';
const bed = useAgentTestBed('gemini', GEMINI_TEST_MODEL);
let pricesFile: string;

beforeAll(() => {
  pricesFile = join(bed.dir, 'prices.json');
  writeFileSync(pricesFile, JSON.stringify({ [GEMINI_TEST_MODEL]: { input: 1, output: 10 } }));
});

const run = (url: string, ...args: string[]) =>
  bed.run(args, {
    env: {
      GOOGLE_GEMINI_BASE_URL: url,
      GEMINI_API_KEY: KEY,
      DROVER_PRICES_FILE: pricesFile,
      GEMINI_BIN: cliBin('gemini'),
    },
    timeoutMs: 150_000,
  });

describe('gemini agent', () => {
  it('runs a shell command and writes a file; the change lands on the pushed branch and usage is recorded', async () => {
    const srv = await startGeminiServer([
      {
        text: 'Creating the greeting.',
        functionCall: {
          name: 'run_shell_command',
          args: { command: 'echo "hello from gemini" > hello.txt' },
        },
      },
      {
        functionCall: {
          name: 'write_file',
          args: { file_path: 'notes/added.md', content: '# Added by gemini\n' },
        },
      },
      { text: 'Done: hello.txt and notes/added.md.' },
    ]);
    bed.servers.push(srv);
    const res = await run(srv.url, '--prompt', 'Add a greeting file and a note');
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'gemini', turns: 3 });
    // 3 replies × (1400 in, 70 out) at $1 / $10 per million tokens.
    expect(job.costUsd).toBeCloseTo((3 * 1400 + 3 * 70 * 10) / 1e6, 9);

    const files = await branchFiles(bed.repo.bareDir, job.branch);
    expect(files['hello.txt']).toBe('hello from gemini\n');
    expect(files['notes/added.md']).toBe('# Added by gemini\n');

    const text = logText(await jobLog(job.id, bed.dataDir));
    expect(text).toContain('[agent:agent.tool_call] → run_shell_command');
    expect(text).toContain('[agent:agent.usage] tokens in 4200 out 210');
    expect(text).toMatch(/\[agent:agent\.result\] done: Done: hello\.txt/);
    expect(srv.allRequests.find((r) => r.main)?.headers['x-goog-api-key']).toBe(KEY);
    expect(text).not.toContain(KEY);
  }, 150_000);

  it('with the model gateway off, a model that never stops ends failed/budget after --max-turns (its own limit, mapped to budget)', async () => {
    const marker = `${process.pid}5201`;
    const srv = await startGeminiServer({
      turns: [
        {
          functionCall: {
            name: 'run_shell_command',
            args: { command: `echo round {{n}}; (sleep ${marker} >/dev/null 2>&1 &)` },
          },
        },
      ],
      repeatLast: true,
    });
    bed.servers.push(srv);
    const res = await run(
      srv.url,
      '--prompt',
      'Loop forever',
      '--max-turns',
      '3',
      '--allow-no-changes',
      '--no-gateway',
    );
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'failed', errorKind: 'budget' });
    expect(job.errorMessage).toContain('stopped at its turn budget');
    expect(srv.turnsServed()).toBeLessThanOrEqual(4);
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
  }, 150_000);

  it('a prompt too long for one argument reaches gemini whole, on stdin', async () => {
    const srv = await startGeminiServer([
      { functionCall: { name: 'run_shell_command', args: { command: 'echo long > long.txt' } } },
      { text: 'ok' },
    ]);
    bed.servers.push(srv);
    const prompt = `Write long.txt.\n${'context line\n'.repeat(12_500)}END-OF-PROMPT`;
    const promptFile = join(bed.dir, `long-prompt-${Date.now()}.md`);
    writeFileSync(promptFile, prompt);
    const res = await run(srv.url, '--prompt-file', promptFile);
    expect(JSON.parse(res.stdout), res.stderr).toMatchObject({ status: 'succeeded' });
    expect(JSON.stringify(srv.requests[0])).toContain('END-OF-PROMPT');
  }, 150_000);
});
