// The model gateway with real agents: the real claude, codex and gemini CLIs and a command agent on the
// Chat Completions wire, each through the gateway to a scripted model server acting as the upstream.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover, spawnDrover } from '../support/drover.js';
import { startServe, TEST_TOKEN } from '../support/droverServer.js';
import { type BareRepo, branchFiles, createBareRepo } from '../support/gitRepos.js';
import { jobLog, logText } from '../support/jobLog.js';
import { CLAUDE_TEST_MODEL, startAnthropicServer } from '../support/models/anthropic.js';
import { cliBin } from '../support/models/cli.js';
import { GEMINI_TEST_MODEL, startGeminiServer } from '../support/models/gemini.js';
import type { RecordedRequest } from '../support/models/http.js';
import { CHAT_TEST_MODEL, startChatServer } from '../support/models/openaiChat.js';
import { CODEX_TEST_MODEL, startResponsesServer } from '../support/models/openaiResponses.js';
import { startRedisServer } from '../support/redisServer.js';

const KEY = {
  anthropic: 'sk-ant-gateway-e2e-real-key-0123456789',
  openai: 'sk-openai-gateway-e2e-real-key-0123456789',
  gemini: 'gemini-gateway-e2e-real-key-0123456789',
};
// USD per million tokens (cache reads, cache writes), set here so expected costs can be worked out by hand.
const PRICES = {
  [CLAUDE_TEST_MODEL]: { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
  [CODEX_TEST_MODEL]: { input: 1, output: 10, cachedInput: 0.1 },
  [GEMINI_TEST_MODEL]: { input: 1.25, output: 10, cachedInput: 0.31 },
  [CHAT_TEST_MODEL]: { input: 2, output: 8, cachedInput: 0.5 },
  '*': { input: 1, output: 2 },
};
/** A secret of the runner (DROVER_MASK_ENV) that reaches a request body through the prompt. */
const HUSH = 'hush-secret-0123456789abcdef';
const priceOf = (model: unknown) => PRICES[String(model) as keyof typeof PRICES] ?? PRICES['*'];

let repo: BareRepo;
let dir: string;
let pricesFile: string;
const servers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  repo = await createBareRepo();
  dir = mkdtempSync(join(tmpdir(), 'drover-gateway-'));
  pricesFile = join(dir, 'prices.json');
  writeFileSync(pricesFile, JSON.stringify(PRICES));
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await repo.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const dataDir = () => join(dir, 'data');
function run(agent: string, model: string | undefined, args: string[], env: Record<string, string>) {
  return runDrover(
    [
      'run',
      '--repo',
      repo.bareDir,
      '--data-dir',
      dataDir(),
      '--agent',
      agent,
      ...(model ? ['--model', model] : []),
      '--json',
      ...args,
    ],
    {
      env: {
        DROVER_WORK_DIR: join(dir, 'work'),
        DROVER_KILL_GRACE: '1s',
        DROVER_PRICES_FILE: pricesFile,
        ...env,
      },
      timeoutMs: 170_000,
    },
  );
}

/**
 * What the agent can see, written into the workspace (and so onto the pushed branch): its environment,
 * every /proc entry's environment and command line it can read, and every text file under its state
 * dir (HOME, CLAUDE_CONFIG_DIR, CODEX_HOME...), TMPDIR and the workspace.
 */
const DUMP =
  '{ echo "== env"; env; echo "== proc"; for p in /proc/[0-9]*; do tr "\\000" "\\n" < "$p/environ"; ' +
  'tr "\\000" " " < "$p/cmdline"; echo; done; echo "== files"; for d in "$HOME/.." "$TMPDIR" "$PWD"; do ' +
  '[ -d "$d" ] && grep -r -a -I -s . "$d" --exclude=drover-dump.txt; done; } > drover-dump.txt 2>/dev/null; echo dumped';

/** The real key appears nowhere the agent could look, in any of the forms a leak could take. */
function expectNoKey(text: string, key: string): void {
  expect(text.length).toBeGreaterThan(1000);
  expect(text).not.toContain(key);
  expect(text).not.toContain(Buffer.from(key).toString('base64').slice(0, 24));
}

async function branchText(branch: string): Promise<{ files: Record<string, string>; all: string }> {
  const files = await branchFiles(repo.bareDir, branch);
  return { files, all: Object.values(files).join('\n') };
}

const answered = (srv: { allRequests: RecordedRequest[] }) => srv.allRequests.filter((r) => r.usage);

describe('model gateway with the real agent CLIs', () => {
  it('claude: the upstream sees the real key, the agent only its per-job token; usage and cost are exact', async () => {
    const usage = {
      input_tokens: 2000,
      output_tokens: 100,
      cache_creation_input_tokens: 500,
      cache_read_input_tokens: 10_000,
    };
    const srv = await startAnthropicServer([
      { toolUse: { name: 'Bash', input: { command: DUMP } }, usage },
      { text: 'Dumped.', usage },
    ]);
    servers.push(srv);
    const res = await run('claude', CLAUDE_TEST_MODEL, ['--prompt', 'Dump what you see'], {
      ANTHROPIC_BASE_URL: srv.url,
      ANTHROPIC_API_KEY: KEY.anthropic,
      CLAUDE_CODE_MAX_RETRIES: '0',
      CLAUDE_BIN: cliBin('claude'),
    });
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'claude' });

    // Upstream: every request carried the real key and never the token.
    const calls = srv.allRequests.filter((r) => r.path === '/v1/messages');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const r of calls) {
      expect(r.headers['x-api-key']).toBe(KEY.anthropic);
      expect(r.headers.authorization).toBeUndefined();
    }
    // The agent: a loopback endpoint and a drover- token in its environment, the key nowhere.
    const { files, all } = await branchText(job.branch);
    const dump = files['drover-dump.txt'] ?? '';
    expect(dump).toMatch(/ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/j\/[\w-]+\/anthropic/);
    expect(dump).toMatch(/ANTHROPIC_API_KEY=drover-/);
    expect(dump).toContain('claude'); // /proc: the agent's own command line was readable
    expectNoKey(all, KEY.anthropic);

    // Usage and cost: the upstream's reported usage × the price, summed over every call it answered.
    const billed = answered(srv);
    const sum = (k: keyof typeof usage) => billed.reduce((n, r) => n + (r.usage![k] ?? 0), 0);
    const cost = billed.reduce((c, r) => {
      const p = priceOf((r.body as { model?: string }).model);
      const u = r.usage!;
      return (
        c +
        (u.input_tokens! * p.input +
          u.cache_creation_input_tokens! * (('cacheWrite' in p && p.cacheWrite) || p.input) +
          u.cache_read_input_tokens! * (('cachedInput' in p && p.cachedInput) || p.input) +
          u.output_tokens! * p.output) /
          1e6
      );
    }, 0);
    expect(job.turns).toBe(billed.length);
    expect(job.inputTokens).toBe(sum('input_tokens') + sum('cache_creation_input_tokens'));
    expect(job.cachedInputTokens).toBe(sum('cache_read_input_tokens'));
    expect(job.outputTokens).toBe(sum('output_tokens'));
    expect(job.costUsd).toBeCloseTo(cost, 12);

    // Per-call records: in the log and the model-calls.jsonl artifact, without the key.
    const log = await jobLog(job.id, dataDir());
    const records = log.filter((e) => e.type === 'model.call');
    expect(records).toHaveLength(billed.length);
    expect(records[0]!.data).toMatchObject({ wire: 'anthropic', status: 200, cachedInputTokens: 10_000 });
    expect(logText(log)).toContain('Model gateway: on');
    const artifact = await runDrover([
      'artifacts',
      job.id,
      '--get',
      'model-calls.jsonl',
      '--data-dir',
      dataDir(),
    ]);
    const lines = artifact.stdout.trim().split('\n');
    expect(lines).toHaveLength(billed.length);
    expect(JSON.parse(lines[0]!)).toMatchObject({ n: 1, model: CLAUDE_TEST_MODEL, billed: true });
    expect(artifact.stdout + logText(log)).not.toContain(KEY.anthropic);
  }, 180_000);

  it('claude: a cost budget refuses the call that would pass it (never sent); claude stops at once', async () => {
    // Each call costs 100k × $3 + 1k × $15 = $0.315; the next reads ≥ 101k tokens (≥ $0.0303 as cache
    // reads). $0.5: call 2 fits ($0.3453 at least), call 3 cannot ($0.63 + $0.0303).
    const srv = await startAnthropicServer({
      turns: [
        {
          toolUse: { name: 'Bash', input: { command: 'echo round {{n}}' } },
          usage: { input_tokens: 100_000, output_tokens: 1000 },
        },
      ],
      repeatLast: true,
    });
    servers.push(srv);
    const res = await run(
      'claude',
      CLAUDE_TEST_MODEL,
      ['--prompt', 'Spend', '--max-cost-usd', '0.5', '--allow-no-changes'],
      {
        ANTHROPIC_BASE_URL: srv.url,
        ANTHROPIC_API_KEY: KEY.anthropic,
        CLAUDE_CODE_MAX_RETRIES: '0',
        CLAUDE_BIN: cliBin('claude'),
      },
    );
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'failed', errorKind: 'budget' });
    expect(job.errorMessage).toContain(
      "The job's cost budget ($0.5, --max-cost-usd) cannot pay for the next model call",
    );
    expect(srv.turnsServed()).toBe(2);
    expect(job.turns).toBe(2);
    expect(job.costUsd).toBeCloseTo(0.63, 12);
    const log = await jobLog(job.id, dataDir());
    const refused = log.filter((e) => e.type === 'model.call' && e.data?.refused);
    // One refusal: claude did not retry the refused call, and Drover did not have to stop it.
    expect(refused).toHaveLength(1);
    expect(logText(log)).not.toContain('was stopped');
  }, 180_000);

  it('codex: key nowhere in its CODEX_HOME or environment; usage with cached input is exact', async () => {
    const usage = { input_tokens: 3000, cached_tokens: 2000, output_tokens: 200 };
    const srv = await startResponsesServer([
      { shell: DUMP, usage },
      { text: 'Dumped.', usage },
    ]);
    servers.push(srv);
    const res = await run('codex', CODEX_TEST_MODEL, ['--prompt', 'Dump what you see'], {
      DROVER_CODEX_BASE_URL: `${srv.url}/v1`,
      OPENAI_API_KEY: KEY.openai,
      CODEX_BIN: cliBin('codex'),
    });
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'codex', turns: 2 });
    for (const r of srv.allRequests) expect(r.headers.authorization).toBe(`Bearer ${KEY.openai}`);
    const { files, all } = await branchText(job.branch);
    expect(files['drover-dump.txt']).toMatch(/base_url = "http:\/\/127\.0\.0\.1:\d+\/j\/[\w-]+\/openai\/v1"/);
    expectNoKey(all, KEY.openai);
    // 2 calls × (1000 fresh × $1 + 2000 cached × $0.1 + 200 × $10) per million.
    expect(job).toMatchObject({ inputTokens: 2000, cachedInputTokens: 4000, outputTokens: 400 });
    expect(job.costUsd).toBeCloseTo((2 * (1000 * 1 + 2000 * 0.1 + 200 * 10)) / 1e6, 12);
  }, 180_000);

  it('codex: --max-turns lets exactly that many model calls out; codex stops at the refusal by itself', async () => {
    const srv = await startResponsesServer({ turns: [{ shell: 'echo round {{n}}' }], repeatLast: true });
    servers.push(srv);
    const res = await run(
      'codex',
      CODEX_TEST_MODEL,
      ['--prompt', 'Loop', '--max-turns', '3', '--allow-no-changes'],
      {
        DROVER_CODEX_BASE_URL: `${srv.url}/v1`,
        OPENAI_API_KEY: KEY.openai,
        CODEX_BIN: cliBin('codex'),
      },
    );
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'failed', errorKind: 'budget', turns: 3 });
    expect(job.errorMessage).toContain('The job used its 3 model calls (--max-turns)');
    expect(srv.turnsServed()).toBe(3);
    const log = await jobLog(job.id, dataDir());
    expect(log.filter((e) => e.type === 'model.call' && e.data?.refused)).toHaveLength(1);
  }, 180_000);

  it('gemini: key nowhere it can see; usage and cost are exact', async () => {
    const usage = { promptTokenCount: 4000, candidatesTokenCount: 300 };
    const srv = await startGeminiServer([
      { functionCall: { name: 'run_shell_command', args: { command: DUMP } }, usage },
      { text: 'Dumped.', usage },
    ]);
    servers.push(srv);
    const res = await run('gemini', GEMINI_TEST_MODEL, ['--prompt', 'Dump what you see'], {
      GOOGLE_GEMINI_BASE_URL: srv.url,
      GEMINI_API_KEY: KEY.gemini,
      GEMINI_BIN: cliBin('gemini'),
    });
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'gemini' });
    for (const r of srv.allRequests) expect(r.headers['x-goog-api-key']).toBe(KEY.gemini);
    const { files, all } = await branchText(job.branch);
    expect(files['drover-dump.txt']).toMatch(
      /GOOGLE_GEMINI_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/j\/[\w-]+\/gemini/,
    );
    expectNoKey(all, KEY.gemini);
    const billed = answered(srv);
    expect(job.turns).toBe(billed.length);
    expect(job.costUsd).toBeCloseTo(geminiCost(billed), 12);
  }, 180_000);

  it('gemini: a cost budget refuses the call that would pass it (never sent); gemini stops at once', async () => {
    const usage = { promptTokenCount: 40_000, candidatesTokenCount: 1000 };
    const srv = await startGeminiServer({
      turns: [{ functionCall: { name: 'run_shell_command', args: { command: 'echo round {{n}}' } }, usage }],
      repeatLast: true,
    });
    servers.push(srv);
    // Each call: 40k × $1.25 + 1k × $10 = $0.06; the next one reads at least the 40k again (maybe all
    // from the cache, $0.0124) and the 1k answer fresh ($0.00125). $0.125: call 2 fits, call 3 cannot.
    const res = await run(
      'gemini',
      GEMINI_TEST_MODEL,
      ['--prompt', 'Loop', '--max-cost-usd', '0.125', '--allow-no-changes'],
      { GOOGLE_GEMINI_BASE_URL: srv.url, GEMINI_API_KEY: KEY.gemini, GEMINI_BIN: cliBin('gemini') },
    );
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'failed', errorKind: 'budget' });
    expect(job.errorMessage).toContain('cost budget ($0.125, --max-cost-usd)');
    const billed = answered(srv);
    expect(job.turns).toBe(billed.length);
    expect(job.costUsd).toBeCloseTo(geminiCost(billed), 12);
    expect(job.costUsd).toBeLessThanOrEqual(0.125);
    // The refused call never reached the upstream, and gemini did not retry it.
    const log = await jobLog(job.id, dataDir());
    expect(log.filter((e) => e.type === 'model.call' && e.data?.refused)).toHaveLength(1);
    expect(srv.allRequests.filter((r) => r.path.includes(':')).length).toBe(billed.length);
    expect(logText(log)).not.toContain(KEY.gemini);
  }, 180_000);
});

function geminiCost(billed: RecordedRequest[]): number {
  return billed.reduce((c, r) => {
    const p = priceOf(/models\/([^:]+)/.exec(r.path)?.[1]);
    return c + (r.usage!.promptTokenCount! * p.input + r.usage!.candidatesTokenCount! * p.output) / 1e6;
  }, 0);
}

describe('model gateway with a command agent on the Chat Completions wire', () => {
  // A small OpenAI-compatible client: a streamed call whose first chunk must arrive while the upstream
  // still holds the rest (it releases it only after seeing that chunk), then a plain call.
  const AGENT = `
const [release] = process.argv.slice(2);
const base = process.env.OPENAI_BASE_URL, key = process.env.OPENAI_API_KEY;
const call = (body) => fetch(base + '/chat/completions', { method: 'POST',
  headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const res = await call({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: process.env.DROVER_PROMPT }] });
const reader = res.body.getReader();
const first = new TextDecoder().decode((await reader.read()).value);
if (!first.includes('assistant')) throw new Error('unexpected first chunk: ' + first);
await fetch(release, { method: 'POST' });
let text = first;
for (;;) { const { value, done } = await reader.read(); if (done) break; text += new TextDecoder().decode(value); }
const second = await (await call({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'again' }] })).json();
const fs = await import('node:fs');
fs.writeFileSync('answer.txt', JSON.stringify({ streamed: text.includes('streamed answer'), second: second.choices[0].message.content }) + '\\n');
fs.writeFileSync('env.txt', Object.entries(process.env).map(([k, v]) => k + '=' + v).join('\\n') + '\\n');
`;
  const agentCmd = (release: string) =>
    `echo ${Buffer.from(AGENT).toString('base64')} | base64 -d > "$TMPDIR/agent.mjs" && node "$TMPDIR/agent.mjs" ${release}`;

  it('streams unbuffered, counts usage and cost exactly, and withholds the key even when DROVER_AGENT_ENV names it', async () => {
    const chat = await startChatServer([
      {
        text: 'streamed answer',
        hold: true,
        usage: { prompt_tokens: 1200, completion_tokens: 60, cached_tokens: 200 },
      },
      { text: 'plain answer', usage: { prompt_tokens: 800, completion_tokens: 20 } },
    ]);
    servers.push(chat);
    const res = await run(
      'command',
      undefined,
      [
        '--prompt',
        `Ask twice ${HUSH}`,
        '--agent-cmd',
        `echo "token=$OPENAI_API_KEY"; ${agentCmd(`${chat.url}/release`)}`,
      ],
      {
        OPENAI_BASE_URL: `${chat.url}/v1`,
        OPENAI_API_KEY: KEY.openai,
        DROVER_RECORD_MODEL_BODIES: '1',
        DROVER_MASK_ENV: 'HUSH',
        HUSH,
        // An operator passing the key on, even under another name: the gateway holds it back all the same.
        DROVER_AGENT_ENV: 'OPENAI_API_KEY,MY_KEY_COPY',
        MY_KEY_COPY: KEY.openai,
      },
    );
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'command', turns: 2 });
    const { files, all } = await branchText(job.branch);
    expect(JSON.parse(files['answer.txt']!)).toEqual({ streamed: true, second: 'plain answer' });
    expect(files['env.txt']).toMatch(/OPENAI_API_KEY=drover-/);
    expectNoKey(all, KEY.openai);
    for (const r of chat.allRequests.filter((r) => r.main))
      expect(r.headers.authorization).toBe(`Bearer ${KEY.openai}`);
    // 1000 fresh + 200 cached + 800 fresh in, 80 out, at $2 / $0.5 / $8 per million.
    expect(job).toMatchObject({ inputTokens: 1800, cachedInputTokens: 200, outputTokens: 80 });
    expect(job.costUsd).toBeCloseTo((1800 * 2 + 200 * 0.5 + 80 * 8) / 1e6, 12);
    const log = logText(await jobLog(job.id, dataDir()));
    expect(log).toContain('Model gateway: MY_KEY_COPY withheld from the agent');
    // The per-job token is masked like any secret.
    expect(log).toContain('token=***');
    expect(log).not.toMatch(/drover-[\w-]{20}/);
    // With DROVER_RECORD_MODEL_BODIES=1 the bodies are in model-calls.jsonl, masked.
    const artifact = await runDrover([
      'artifacts',
      job.id,
      '--get',
      'model-calls.jsonl',
      '--data-dir',
      dataDir(),
    ]);
    const calls = artifact.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { requestBody: string; responseBody: string });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.requestBody).toContain('Ask twice ***');
    expect(calls[0]!.responseBody).toContain('streamed answer');
    expect(artifact.stdout).not.toContain(HUSH);
  }, 180_000);

  it('cancelling the job aborts the call in flight upstream', async () => {
    const chat = await startChatServer([{ text: 'never sent', hold: true }]);
    servers.push(chat);
    const { child, done } = spawnDrover(
      [
        'run',
        '--repo',
        repo.bareDir,
        '--data-dir',
        dataDir(),
        '--agent',
        'command',
        '--json',
        '--prompt',
        'Wait',
        '--agent-cmd',
        agentCmd('http://127.0.0.1:9/unused'),
      ],
      {
        env: {
          DROVER_WORK_DIR: join(dir, 'work'),
          DROVER_KILL_GRACE: '1s',
          OPENAI_BASE_URL: `${chat.url}/v1`,
          OPENAI_API_KEY: KEY.openai,
        },
        timeoutMs: 120_000,
      },
    );
    await chat.held();
    child.kill('SIGINT');
    const res = await done;
    expect(JSON.parse(res.stdout), res.stderr).toMatchObject({ status: 'cancelled' });
    for (let i = 0; i < 100 && chat.aborted() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(chat.aborted()).toBe(1);
  }, 180_000);

  it('gateway: false (and DROVER_GATEWAY=off) give today’s behaviour, stated in the job log', async () => {
    const env = { OPENAI_API_KEY: KEY.openai, DROVER_AGENT_ENV: 'OPENAI_API_KEY' };
    const perJob = await run(
      'command',
      undefined,
      ['--prompt', 'x', '--agent-cmd', 'env > env.txt', '--no-gateway'],
      env,
    );
    const runner = await run('command', undefined, ['--prompt', 'x', '--agent-cmd', 'env > env.txt'], {
      ...env,
      DROVER_GATEWAY: 'off',
    });
    for (const [res, says] of [
      [perJob, 'Model gateway: off for this job (gateway: false)'],
      [runner, 'Model gateway: off on this runner (DROVER_GATEWAY=off)'],
    ] as const) {
      const job = JSON.parse(res.stdout);
      expect(job, res.stderr).toMatchObject({ status: 'succeeded' });
      expect((await branchText(job.branch)).files['env.txt']).toContain(`OPENAI_API_KEY=${KEY.openai}`);
      expect(logText(await jobLog(job.id, dataDir()))).toContain(says);
    }
  }, 180_000);
});

describe('model gateway in a long-running server', () => {
  it('a token works only for its own job and only while it runs; calls are Prometheus series', async () => {
    const chat = await startChatServer({ turns: [{ text: 'ok' }], repeatLast: true });
    servers.push(chat);
    const shared = mkdtempSync(join(tmpdir(), 'drover-gateway-shared-'));
    const serve = await startServe({
      args: ['--concurrency', '2'],
      env: { OPENAI_BASE_URL: `${chat.url}/v1`, OPENAI_API_KEY: KEY.openai },
    });
    try {
      // Both jobs publish their endpoint and token, then A tries every combination while B still runs.
      const probe = `
const fs = await import('node:fs');
const [a, b] = ['a', 'b'].map((n) => fs.readFileSync('${shared}/' + n + '.txt', 'utf8').split(' '));
const status = async ([base], [, token]) => (await fetch(base + '/chat/completions', { method: 'POST',
  headers: { authorization: 'Bearer ' + token }, body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }] }) })).status;
fs.writeFileSync('${shared}/statuses.json', JSON.stringify({ own: await status(a, a), bTokenOnA: await status(a, b), aTokenOnB: await status(b, a) }));
`;
      const wait = (file: string) =>
        `i=0; while [ ! -f ${shared}/${file} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`;
      const publish = (name: string) =>
        `printf '%s %s' "$OPENAI_BASE_URL" "$OPENAI_API_KEY" > ${shared}/${name}.txt`;
      const jobA = `${publish('a')}; ${wait('b.txt')}; echo ${Buffer.from(probe).toString('base64')} | base64 -d > ${shared}/probe.mjs && node ${shared}/probe.mjs && touch ${shared}/done`;
      const jobB = `${publish('b')}; ${wait('done')}`;
      const submit = async (agentCmd: string) => {
        const res = await fetch(`${serve.url}/api/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            repo: repo.bareDir,
            prompt: 'x',
            agent: 'command',
            agentCmd,
            sandbox: 'none',
            allowNoChanges: true,
          }),
        });
        expect(res.status).toBe(201);
        return ((await res.json()) as { id: string }).id;
      };
      const ids = [await submit(jobA), await submit(jobB)];
      const finished = async (id: string) => {
        for (let i = 0; i < 600; i++) {
          const job = (await (
            await fetch(`${serve.url}/api/jobs/${id}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })
          ).json()) as { status: string };
          if (!['queued', 'running'].includes(job.status)) return job;
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`job ${id} did not finish`);
      };
      for (const id of ids) expect(await finished(id)).toMatchObject({ status: 'succeeded' });
      expect(JSON.parse(readFileSync(join(shared, 'statuses.json'), 'utf8'))).toEqual({
        own: 200,
        bTokenOnA: 401,
        aTokenOnB: 401,
      });
      expect(chat.requests).toHaveLength(1);

      // After job A ended, its token is refused although the gateway (this server) still runs.
      const [base, token] = readFileSync(join(shared, 'a.txt'), 'utf8').split(' ');
      const late = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'gpt-4.1', messages: [] }),
      });
      expect(late.status).toBe(401);
      const metrics = await (await fetch(`${serve.url}/metrics`)).text();
      expect(metrics).toContain('drover_model_calls_total{wire="openai",model="gpt-4.1",status="200"} 1');
      expect(metrics).toMatch(/drover_model_refusals_total\{wire="openai",reason="unauthorized"\} 3/);
    } finally {
      await serve.stop();
      rmSync(shared, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('model gateway with per-user keys (Redis backend)', () => {
  it('a job naming a user calls the model with that user’s stored key; other jobs with the runner’s', async () => {
    const redis = await startRedisServer();
    const chat = await startChatServer({ turns: [{ text: 'ok' }], repeatLast: true });
    servers.push(chat);
    const aliceKey = 'sk-openai-alice-own-key-0123456789';
    const env = {
      DROVER_REDIS_URL: redis.url,
      DROVER_REDIS_PREFIX: 'gw:',
      DROVER_SECRET_KEY: randomBytes(32).toString('base64'),
      OPENAI_BASE_URL: `${chat.url}/v1`,
      OPENAI_API_KEY: KEY.openai,
    };
    try {
      const bad = await runDrover(['secrets', 'set-model-key', '--user', 'alice', '--provider', 'openia'], {
        env,
        input: aliceKey,
      });
      expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("'openia'")]);
      const set = await runDrover(['secrets', 'set-model-key', '--user', 'alice', '--provider', 'openai'], {
        env,
        input: `${aliceKey}\n`,
      });
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toContain('user:alice:model_key:openai');
      // A job naming a user needs that user's git token too (unused by a local repo).
      const git = await runDrover(['secrets', 'set-git-token', '--user', 'alice'], {
        env,
        input: 'ghp_alice0123456789\n',
      });
      expect(git.code, git.stderr).toBe(0);
      const call =
        "node -e \"fetch(process.env.OPENAI_BASE_URL + '/chat/completions', { method: 'POST', headers: { authorization: 'Bearer ' + process.env.OPENAI_API_KEY }, body: JSON.stringify({ model: 'gpt-4.1', messages: [] }) }).then((r) => process.exit(r.status === 200 ? 0 : 1))\"";
      for (const user of [['--user-id', 'alice'], []]) {
        const res = await run(
          'command',
          undefined,
          ['--prompt', 'x', '--agent-cmd', call, '--allow-no-changes', ...user],
          env,
        );
        expect(JSON.parse(res.stdout), res.stderr).toMatchObject({ status: 'succeeded', turns: 1 });
      }
      expect(chat.allRequests.map((r) => r.headers.authorization)).toEqual([
        `Bearer ${aliceKey}`,
        `Bearer ${KEY.openai}`,
      ]);
    } finally {
      await redis.cleanup();
    }
  }, 180_000);
});
