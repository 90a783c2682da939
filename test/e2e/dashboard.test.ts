import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHandle, startServe, TEST_TOKEN } from '../support/droverServer.js';
import { type BareRepo, createBareRepo, readFileAtRef } from '../support/gitRepos.js';

// The dashboard in Debian's chromium (headless, driven by playwright-core) against the real
// `drover serve`: token entry, the submit form, the live log, the list, the charts, a narrow screen.

const SHOTS = join(process.cwd(), 'test-output');
const WAIT = { timeout: 45_000 };

let repo: BareRepo;
let server: ServeHandle;
let browser: Browser;
let gateDir: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  gateDir = mkdtempSync(join(tmpdir(), 'drover-ui-gate-'));
  repo = await createBareRepo();
  server = await startServe({ args: ['--concurrency', '1', '--drain-timeout', '20s'] });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  expect((await server?.stop())?.code).toBe(0);
  await repo?.cleanup();
  rmSync(gateDir, { recursive: true, force: true });
});

/** Page width against the viewport (a string: it runs in the browser, outside this file's types). */
const WIDTHS = '({ doc: document.documentElement.scrollWidth, view: innerWidth })';
type Widths = { doc: number; view: number };

/** Log box scroll position: at the bottom (following) or not. */
const logScroll = (page: Page) =>
  page.$eval('[data-testid=log]', (el) => ({
    top: el.scrollTop,
    atBottom: el.scrollTop + el.clientHeight >= el.scrollHeight - 4,
    overflows: el.scrollHeight > el.clientHeight,
  }));

describe('dashboard', () => {
  it('takes a token, submits a job, shows its log live with auto-scroll, and ends succeeded', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    page.on('pageerror', (err) => problems.push(err.message));

    // No token yet: the API answers 401 and the UI asks for one.
    await page.goto(`${server.url}/`);
    await page.getByText('The server needs an API token').waitFor(WAIT);
    await page.getByRole('link', { name: 'Enter your token' }).click();
    await page.fill('input[name=token]', TEST_TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('No jobs yet.').waitFor(WAIT);
    expect(await page.evaluate<string | null>("localStorage.getItem('drover.token')")).toBe(TEST_TOKEN);

    // The form shows the server's field-level errors.
    await page.locator('nav').getByRole('link', { name: 'New job' }).click();
    await page.fill('input[name=repo]', 'ext::sh -c boom');
    await page.fill('textarea[name=prompt]', 'Print some lines');
    await page.selectOption('select[name=agent]', 'command');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page
      .locator('label.invalid', { hasText: 'Repository' })
      .getByText('transport is not allowed')
      .waitFor(WAIT);
    await page.locator('label.invalid', { hasText: 'Command' }).getByText('is required').waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'dashboard-form-errors.png'), fullPage: true });

    // The agent prints 80 lines, then waits for the test to open a gate: the job cannot end before
    // the browser has shown those lines, so "live" does not depend on timing.
    const gate = join(gateDir, 'open');
    const agentCmd =
      'for i in $(seq 1 80); do echo "step $i"; done; ' +
      `n=0; while [ ! -f ${gate} ] && [ $n -lt 900 ]; do sleep 0.1; n=$((n+1)); done; ` +
      'for i in $(seq 1 20); do echo "after $i"; sleep 0.05; done; echo done > ui.txt';
    await page.fill('input[name=repo]', repo.bareDir);
    await page.fill('input[name=agentCmd]', agentCmd);
    await page.fill('input[name=timeout]', '5m');
    // The gate file lives in the host's /tmp, which a sandboxed agent does not see.
    await page.selectOption('select[name=sandbox]', 'none');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\/[0-9a-z]+$/, WAIT);
    const jobId = page.url().split('/').pop()!;

    const log = page.locator('[data-testid=log]');
    await log.getByText('step 80', { exact: true }).waitFor(WAIT);
    await expect.poll(() => page.locator('h1 .badge').textContent(), WAIT).toBe('running');
    await page.locator('.timeline').getByText('agent').waitFor(WAIT);
    // Following: the newest line is in view.
    expect(await logScroll(page)).toMatchObject({ atBottom: true, overflows: true });
    await page.screenshot({ path: join(SHOTS, 'dashboard-job-running.png') });

    // The reader scrolls up: new lines must not pull the view back down.
    await log.evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    await page.getByRole('button', { name: '↓ Follow' }).waitFor(WAIT);
    writeFileSync(gate, '');
    await log.getByText('after 20', { exact: true }).waitFor({ ...WAIT, state: 'attached' });
    await expect.poll(() => page.locator('h1 .badge').textContent(), WAIT).toBe('succeeded');
    expect((await logScroll(page)).top).toBe(0);
    await page.getByRole('button', { name: '↓ Follow' }).click();
    await expect.poll(async () => (await logScroll(page)).atBottom, WAIT).toBe(true);

    // stdout, stderr, agent and system lines are styled apart; phases and the status line too.
    expect(await log.locator('.line.s-stdout').count()).toBe(100);
    expect(await log.locator('.line.s-system.t-phase').count()).toBeGreaterThanOrEqual(4);
    await log.locator('.line.t-status', { hasText: 'Job succeeded' }).waitFor(WAIT);
    await page.getByText('● live').or(page.getByText('ended')).first().waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'dashboard-job.png'), fullPage: true });

    const res = await fetch(`${server.url}/api/jobs/${jobId}`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    const record = (await res.json()) as { status: string; branch: string };
    expect(record.status).toBe('succeeded');
    expect(await readFileAtRef(repo.bareDir, record.branch, 'ui.txt')).toBe('done\n');

    // The list shows it with its badge; the charts render.
    await page.locator('nav').getByRole('link', { name: 'Jobs' }).click();
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await row.locator('.badge-succeeded').waitFor(WAIT);
    expect(await row.textContent()).toContain('command');
    await page.screenshot({ path: join(SHOTS, 'dashboard-list.png'), fullPage: true });
    await page.locator('nav').getByRole('link', { name: 'Charts' }).click();
    await page.locator('svg[aria-label="Jobs per hour by status"] rect.fill-succeeded').first().waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'dashboard-charts.png'), fullPage: true });

    // A phone-sized screen: no horizontal scrolling, rows become cards.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('nav').getByRole('link', { name: 'Jobs' }).click();
    await row.waitFor(WAIT);
    const widths = await page.evaluate<Widths>(WIDTHS);
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    await page.screenshot({ path: join(SHOTS, 'dashboard-narrow-list.png'), fullPage: true });
    await row.locator('a.mono').click();
    await log.getByText('after 20', { exact: true }).waitFor({ ...WAIT, state: 'attached' });
    const narrow = await page.evaluate<Widths>(WIDTHS);
    expect(narrow.doc).toBeLessThanOrEqual(narrow.view);
    await page.screenshot({ path: join(SHOTS, 'dashboard-narrow-job.png') });

    // The 401 (before the token) and the 400 (the invalid form) are expected; nothing else may fail,
    // including CSP violations.
    expect(problems.filter((p) => !/status of 40[01]/.test(p))).toEqual([]);
    await page.close();
  });
});
