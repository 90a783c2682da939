import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHandle, startServe, TEST_TOKEN } from '../support/droverServer.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fakeGitHub.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import { type BareRepo, createBareRepo, readFileAtRef } from '../support/gitRepos.js';
import {
  type AnthropicServer,
  CLAUDE_TEST_MODEL,
  cliBin,
  minimalPath,
  startAnthropicServer,
} from '../support/models/index.js';
import { auth } from '../support/planBed.js';

// The plan board in Debian's chromium against the real `drover serve`: columns by status, cards with
// dependencies, branch, PR, verdict and cost (a real Claude Code run against a scripted model server),
// the approve / rework / retry buttons, and the live event timeline.

const SHOTS = join(process.cwd(), 'test-output');
const WAIT = { timeout: 90_000 };
const TOKEN = 'ghs_planBoardToken_0123456789abcdef';
const WORK = 'printf "%s\\n" "$DROVER_JOB_ID" >> work.txt';

let repo: BareRepo;
let git: GitHttpServer;
let github: FakeGitHub;
let model: AnthropicServer;
let server: ServeHandle;
let browser: Browser;
let gate: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  gate = mkdtempSync(join(tmpdir(), 'drover-board-gate-'));
  repo = await createBareRepo({ name: 'acme/app' });
  git = await startGitHttpServer({ projectRoot: repo.dir, token: TOKEN });
  github = await startFakeGitHub({ token: TOKEN, owner: 'acme', repo: 'app' });
  model = await startAnthropicServer([
    {
      text: 'Adding it.',
      toolUse: { name: 'Write', input: { file_path: '{{cwd}}/health.txt', content: 'ok\n' } },
    },
    { text: 'Added health.txt.' },
  ]);
  server = await startServe({
    args: ['--concurrency', '3', '--drain-timeout', '5s'],
    env: {
      DROVER_PLAN_TICK: '300ms',
      DROVER_GIT_TOKEN: TOKEN,
      DROVER_GITHUB_API_URL: github.url,
      PATH: minimalPath(),
      CLAUDE_BIN: cliBin('claude'),
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-key-0123456789',
      CLAUDE_CODE_MAX_RETRIES: '0',
    },
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await model?.close();
  await github?.close();
  await git?.close();
  await repo?.cleanup();
  rmSync(gate, { recursive: true, force: true });
});

const column = (page: Page, status: string) => page.locator(`.column[data-status="${status}"]`);
const card = (page: Page, status: string, task: string) =>
  column(page, status).locator(`.card[data-task="${task}"]`);

describe('plan board', () => {
  it('shows the plan by status, with live cards and timeline; approve, rework and retry work from it', async () => {
    const res = await fetch(`${server.url}/api/plans`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'board',
        repo: `${git.url}/acme/app.git`,
        baseRef: 'main',
        defaults: {
          agent: 'command',
          agentCmd: WORK,
          reviewCmd: 'echo "REVIEW: PASS"',
          pr: true,
          prProvider: 'github',
        },
        settings: { maxExecutors: 3, maxReviewers: 2 },
        tasks: [
          {
            id: 'alpha',
            title: 'Health check',
            prompt: 'Add health.txt',
            agent: 'claude',
            model: CLAUDE_TEST_MODEL,
          },
          {
            id: 'beta',
            title: 'Beta',
            prompt: 'Beta work',
            agentCmd: `printf %s "$DROVER_PROMPT" | grep -q "rename it" && echo renamed > renamed.txt; ${WORK}`,
          },
          {
            id: 'gamma',
            title: 'Gamma',
            prompt: 'Gamma work',
            sandbox: 'none',
            agentCmd: `[ -f ${gate}/ok ] || exit 4; ${WORK}`,
          },
          { id: 'delta', title: 'Delta', prompt: 'After the health check', dependsOn: ['alpha'] },
        ],
      }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/plans/board');

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${server.url}/`);
    await page.evaluate(`localStorage.setItem('drover.token', ${JSON.stringify(TEST_TOKEN)})`);
    await page.goto(`${server.url}/#/plans`);
    await page.locator('tr[data-plan="board"]').click();
    await page.waitForURL(/#\/plans\/board$/, WAIT);

    // Every status has its column; the dependent waits in the backlog, the broken task is blocked.
    await card(page, 'backlog', 'delta').waitFor(WAIT);
    expect(
      await page
        .locator('.column h2')
        .evaluateAll((els) => els.map((el) => el.childNodes[0]?.textContent?.trim())),
    ).toEqual(['backlog', 'ready', 'in progress', 'in review', 'needs human', 'blocked', 'done']);
    await card(page, 'backlog', 'delta').getByText('after alpha').waitFor(WAIT);
    await card(page, 'blocked', 'gamma').waitFor(WAIT);
    expect(await card(page, 'blocked', 'gamma').locator('.blocked-reason').textContent()).toContain(
      'permanent agent_exit',
    );

    // The reviewer passed alpha (a Claude Code run with a cost) and beta; both opened PRs.
    const alpha = card(page, 'needs_human', 'alpha');
    await alpha.waitFor(WAIT);
    await card(page, 'needs_human', 'beta').waitFor(WAIT);
    expect(await alpha.locator('.verdict').textContent()).toBe('PASS');
    expect(await alpha.locator('.cost').textContent()).toMatch(/^(\$\d+\.\d\d|<\$0\.01)$/);
    expect(await alpha.locator('.pr a').getAttribute('href')).toMatch(
      /^https:\/\/github\.test\/acme\/app\/pull\/\d+$/,
    );
    expect(await alpha.locator('.branch').textContent()).toBe('drover/board/alpha');
    await page.screenshot({ path: join(SHOTS, 'plan-board.png'), fullPage: true });

    // Approve from the card: alpha is done, the timeline shows it live, and delta can start.
    await alpha.getByRole('button', { name: 'Approve' }).click();
    await card(page, 'done', 'alpha').waitFor(WAIT);
    await page.locator('.plan-timeline li[data-type="task.done"]', { hasText: 'alpha' }).waitFor(WAIT);
    await page.locator('.plan-timeline li[data-type="task.assigned"]', { hasText: 'delta' }).waitFor(WAIT);

    // Rework from the card: the comment reaches the executor, then the reviewer passes again.
    const beta = card(page, 'needs_human', 'beta');
    await beta.getByRole('button', { name: 'Rework' }).click();
    await beta.locator('textarea[name=comment]').fill('Please rename it');
    await beta.getByRole('button', { name: 'Send rework' }).click();
    await page
      .locator('.plan-timeline li[data-type="task.rework"]', { hasText: 'Please rename it' })
      .waitFor(WAIT);
    await page
      .locator('.plan-timeline li[data-type="review.outcome"]', { hasText: 'beta' })
      .nth(1)
      .waitFor(WAIT);
    await card(page, 'needs_human', 'beta').locator('dd', { hasText: /^4 ·/ }).waitFor(WAIT);
    expect(await readFileAtRef(repo.bareDir, 'drover/board/beta', 'renamed.txt')).toBe('renamed\n');

    // Retry from the card once the cause is fixed.
    writeFileSync(join(gate, 'ok'), '');
    await card(page, 'blocked', 'gamma').getByRole('button', { name: 'Retry' }).click();
    await card(page, 'needs_human', 'gamma').waitFor(WAIT);
    for (const id of ['beta', 'gamma', 'delta']) {
      await card(page, 'needs_human', id)
        .getByRole('button', { name: 'Approve' })
        .click({ timeout: WAIT.timeout });
      await card(page, 'done', id).waitFor(WAIT);
    }
    await page.locator('h1 .badge', { hasText: 'done' }).waitFor(WAIT);
    // delta was stacked on alpha (done, not merged): its PR targets alpha's branch; the others target main.
    const pulls = Object.fromEntries(github.pulls.map((p) => [p.head, p.base]));
    expect(pulls).toEqual({
      'drover/board/alpha': 'main',
      'drover/board/beta': 'main',
      'drover/board/gamma': 'main',
      'drover/board/delta': 'drover/board/alpha',
    });
    await page.screenshot({ path: join(SHOTS, 'plan-board-done.png'), fullPage: true });

    // A narrow screen scrolls the columns, not the page.
    await page.setViewportSize({ width: 390, height: 844 });
    const widths = await page.evaluate<{ doc: number; view: number }>(
      '({ doc: document.documentElement.scrollWidth, view: innerWidth })',
    );
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    await page.screenshot({ path: join(SHOTS, 'plan-board-narrow.png') });
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    await page.close();
  }, 300_000);
});
