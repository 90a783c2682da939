// The real `codex` CLI driven by Drover against our scripted OpenAI Responses server on loopback.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAgentTestBed } from '../support/agentTestBed.js';
import { branchFiles } from '../support/gitRepos.js';
import { jobLog, logText } from '../support/jobLog.js';
import { cliBin } from '../support/models/cli.js';
import { CODEX_TEST_MODEL, startResponsesServer } from '../support/models/openaiResponses.js';
import { processesMatching } from '../support/processes.js';

const KEY = 'sk-codex-test-secret-0123456789';
const bed = useAgentTestBed('codex', CODEX_TEST_MODEL);
let pricesFile: string;

beforeAll(() => {
  pricesFile = join(bed.dir, 'prices.json');
  // $1 per million input and $10 per million output tokens: easy to check by hand.
  writeFileSync(pricesFile, JSON.stringify({ [CODEX_TEST_MODEL]: { input: 1, output: 10 } }));
});

const run = (url: string, ...args: string[]) =>
  bed.run(args, {
    env: {
      DROVER_CODEX_BASE_URL: `${url}/v1`,
      DROVER_CODEX_ENV_KEY: 'MY_OPENAI_KEY',
      MY_OPENAI_KEY: KEY,
      DROVER_PRICES_FILE: pricesFile,
      CODEX_BIN: cliBin('codex'),
    },
    timeoutMs: 150_000,
  });

describe('codex agent', () => {
  it('runs a shell command and edits a file; the change lands on the pushed branch and usage is recorded', async () => {
    const srv = await startResponsesServer([
      { text: 'Creating the greeting.', shell: 'echo "hello from codex" > hello.txt && cat hello.txt' },
      { applyPatch: '*** Begin Patch\n*** Add File: notes/added.md\n+# Added by codex\n*** End Patch\n' },
      { text: 'Done: hello.txt and notes/added.md.' },
    ]);
    bed.servers.push(srv);
    const res = await run(srv.url, '--prompt', 'Add a greeting file and a note');
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'codex', turns: 3 });
    // 3 replies × (1500 in, 60 out) at $1 / $10 per million tokens.
    expect(job.costUsd).toBeCloseTo((3 * 1500 * 1 + 3 * 60 * 10) / 1e6, 9);

    const files = await branchFiles(bed.repo.bareDir, job.branch);
    expect(files['hello.txt']).toBe('hello from codex\n');
    expect(files['notes/added.md']).toBe('# Added by codex\n');

    const log = await jobLog(job.id, bed.dataDir);
    const text = logText(log);
    expect(text).toContain('[agent:agent.tool_call] → shell');
    expect(text).toContain('[agent:agent.tool_result] ✓ exit 0: hello from codex');
    expect(text).toContain('[agent:agent.usage] tokens in 4500 out 180');
    expect(text).toMatch(/\[agent:agent\.result\] done: Done: hello\.txt/);
    expect(text).toContain('Sandbox: workspace-write');
    // The key reached codex (as its provider's bearer token) and never the log.
    const auth = srv.allRequests.find((r) => r.main)?.headers.authorization;
    expect(auth).toBe(`Bearer ${KEY}`);
    expect(text).not.toContain(KEY);
  }, 150_000);

  it('with the model gateway off, a model that never stops ends failed/budget after --max-turns, and its process tree is gone', async () => {
    const marker = `${process.pid}5101`;
    const srv = await startResponsesServer({
      turns: [{ shell: `echo round {{n}} >> rounds.txt; (sleep ${marker} >/dev/null 2>&1 &)` }],
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
    expect(job.errorMessage).toContain('turn budget (3 turns');
    expect(job.turns).toBe(4);
    expect(srv.turnsServed()).toBeLessThanOrEqual(5);
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    expect(processesMatching(cliBin('codex'))).toEqual([]);
  }, 150_000);

  it('with the model gateway off, a cost budget stops it as soon as the recorded usage passes the limit', async () => {
    const srv = await startResponsesServer({
      turns: [{ shell: 'echo step {{n}}', usage: { input_tokens: 100_000, output_tokens: 1000 } }],
      repeatLast: true,
    });
    bed.servers.push(srv);
    // Each reply costs $0.11 at the test prices: the limit is passed on the third. Codex reports usage
    // only at its end, so this is Drover reading its session file while it runs (a never-ending model
    // would otherwise run to the job's timeout).
    const res = await run(
      srv.url,
      '--prompt',
      'Spend',
      '--max-cost-usd',
      '0.25',
      '--allow-no-changes',
      '--no-gateway',
    );
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'failed', errorKind: 'budget' });
    expect(job.errorMessage).toContain('cost budget');
    expect(job.costUsd).toBeGreaterThan(0.25);
  }, 150_000);

  it('a fix round resumes the codex thread, and the job counts each reply once', async () => {
    const srv = await startResponsesServer([
      { text: 'I think it is fine.' },
      { shell: 'echo fixed > fixed.txt' },
      { text: 'Fixed.' },
    ]);
    bed.servers.push(srv);
    const res = await run(
      srv.url,
      '--prompt',
      'Make the check pass',
      '--verify',
      'test -f fixed.txt',
      '--fix-rounds',
      '1',
    );
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded' });
    expect((await branchFiles(bed.repo.bareDir, job.branch))['fixed.txt']).toBe('fixed\n');
    // The second run resumed the thread: its request carries the first run's answer.
    expect(JSON.stringify(srv.requests[1])).toContain('I think it is fine.');
    // codex reports the resumed thread's usage from its start (all 3 replies); Drover subtracts the
    // first run's, so the job pays for 3 replies, not 4.
    expect(job.costUsd).toBeCloseTo((3 * 1500 * 1 + 3 * 60 * 10) / 1e6, 9);
  }, 150_000);

  it('a prompt too long for one argument reaches codex whole, on stdin', async () => {
    const srv = await startResponsesServer([{ shell: 'echo long > long.txt' }, { text: 'ok' }]);
    bed.servers.push(srv);
    // 150 KB: above Linux's 128 KiB limit for one argv string.
    const prompt = `Write long.txt.\n${'context line\n'.repeat(12_500)}END-OF-PROMPT`;
    const promptFile = join(bed.dir, `long-prompt-${Date.now()}.md`);
    writeFileSync(promptFile, prompt);
    const res = await run(srv.url, '--prompt-file', promptFile);
    expect(JSON.parse(res.stdout), res.stderr).toMatchObject({ status: 'succeeded' });
    expect(JSON.stringify(srv.requests[0])).toContain('END-OF-PROMPT');
  }, 150_000);
});
