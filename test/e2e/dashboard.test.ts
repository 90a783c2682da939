import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/parseJobSpec.js';
import { SqliteStore } from '../../src/store/SqliteStore.js';
import { type ServeHandle, startServe, TEST_TOKEN } from '../support/droverServer.js';
import { type BareRepo, createBareRepo, readFileAtRef } from '../support/gitRepos.js';

// The dashboard in Debian's chromium (headless, driven by playwright-core) against the real
// `drover serve` running real jobs with `command` agents: token entry, the submit form (and its
// advanced options), the live log (colours, hostile output, timestamps, search), the diff view,
// re-run, the list's filters, cancelled jobs, the charts, a narrow screen. One server and one browser
// for the whole file.

const SHOTS = join(process.cwd(), 'test-output');
const WAIT = { timeout: 45_000 };

let repo: BareRepo;
let otherRepo: BareRepo;
let server: ServeHandle;
let browser: Browser;
let gateDir: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  gateDir = mkdtempSync(join(tmpdir(), 'drover-ui-gate-'));
  repo = await createBareRepo();
  otherRepo = await createBareRepo({ name: 'Widget-Service' });
  server = await startServe({ args: ['--concurrency', '2', '--drain-timeout', '20s'] });
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
  await otherRepo?.cleanup();
  rmSync(gateDir, { recursive: true, force: true });
});

/** Page width against the viewport (a string: it runs in the browser, outside this file's types). */
/** A computed style property of the element (runs in the browser; this file has no DOM types). */
type StyleWindow = { getComputedStyle(el: unknown): Record<string, string> };
const css = (locator: Locator, prop: string) =>
  locator.evaluate((el, p) => (globalThis as unknown as StyleWindow).getComputedStyle(el)[p] ?? '', prop);
/** The text of the log line holding the element. */
const lineOf = (locator: Locator) =>
  locator.evaluate(
    (el) => (el as unknown as { closest(s: string): { textContent: string } }).closest('.line').textContent,
  );
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
    await page.getByText('Advanced options').click();
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

// --- helpers for the tests below: jobs through the API, pages that already hold the token ---

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes, checked by the assertions
async function apiJson(path: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...auth, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const submit = async (spec: Record<string, unknown>): Promise<string> =>
  (await apiJson('/api/jobs', { method: 'POST', body: spec })).id;

async function waitForStatus(id: string, statuses: string[]): Promise<string> {
  let status = '';
  for (let i = 0; i < 450 && !statuses.includes(status); i++) {
    if (i) await new Promise((r) => setTimeout(r, 200));
    status = (await apiJson(`/api/jobs/${id}`)).status;
  }
  if (!statuses.includes(status))
    throw new Error(`job ${id} is ${status}, expected ${statuses.join(' or ')}`);
  return status;
}

/** A page whose localStorage already holds the token; `problems` collects console errors. */
async function tokenPage(width = 1280) {
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    storageState: {
      cookies: [],
      origins: [{ origin: server.url, localStorage: [{ name: 'drover.token', value: TEST_TOKEN }] }],
    },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
  page.on('pageerror', (err) => problems.push(err.message));
  return { page, problems, close: () => context.close() };
}

const badge = (page: Page) => page.locator('h1 .badge');

describe('dashboard: log, diff, re-run', () => {
  let jobId: string;
  beforeAll(async () => {
    // Colours (16-colour, bold, true colour), markup that must stay text, words to search, and a
    // change for the diff (a new file with markup in it, and an edited line).
    const agentCmd = [
      "printf '\\033[31mred alert\\033[0m then \\033[1;32mbold green\\033[0m\\n'",
      "printf '\\033[38;2;10;200;30mtrue colour\\033[0m\\n'",
      "printf '\\033[33mwarn\\033[0m on stderr\\n' >&2",
      `echo '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> &amp; done'`,
      'for i in 1 2 3 4 5; do echo "zebra $i"; done',
      'echo "ZEBRA twice: zebra"',
      "printf 'first\\nsecond <b>bold</b>\\n' > notes.txt",
      "sed -i 's/Hello, /Howdy, /' src/greet.mjs",
    ].join('; ');
    jobId = await submit({ repo: repo.bareDir, prompt: 'Colour and markup', agent: 'command', agentCmd });
    await waitForStatus(jobId, ['succeeded']);
  });

  it('renders ANSI colours as classes, agent markup as text, and timestamps on hover', async () => {
    const { page, problems, close } = await tokenPage();
    await page.goto(`${server.url}/#/jobs/${jobId}`);
    const log = page.locator('[data-testid=log]');
    await log.getByText('zebra 5').waitFor(WAIT);

    const red = log.locator('span.ansi-red-fg', { hasText: 'red alert' });
    expect(await css(red, 'color')).toBe('rgb(255, 107, 107)');
    const bold = log.locator('span.ansi-green-fg.ansi-bold', { hasText: 'bold green' });
    expect(await css(bold, 'fontWeight')).toBe('700');
    const trueColour = log.getByText('true colour', { exact: true });
    expect(await css(trueColour, 'color')).toBe('rgb(10, 200, 30)');
    await log.locator('.s-stderr span.ansi-yellow-fg', { hasText: 'warn' }).waitFor(WAIT);
    const text = (await log.textContent()) ?? '';
    expect(text).not.toContain('[31m');
    expect(text).not.toContain('\x1b');

    // The agent's markup is shown literally; nothing of it became an element or ran.
    await log
      .getByText('<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> &amp; done')
      .waitFor(WAIT);
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();

    // Timestamps: hidden until the line is hovered, then its local time; all of them with the toggle.
    const line = log.locator('.line', { hasText: 'zebra 3' });
    const ts = line.locator('time.ts');
    expect(await ts.isVisible()).toBe(false);
    await line.hover();
    await ts.waitFor({ ...WAIT, state: 'visible' });
    const shown = await ts.evaluate((el) => {
      const d = new Date(el.getAttribute('datetime') ?? '');
      const p = (n: number, w = 2) => String(n).padStart(w, '0');
      return {
        text: el.textContent,
        expected: `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`,
        valid: !Number.isNaN(d.getTime()),
      };
    });
    expect(shown.valid).toBe(true);
    expect(shown.text).toBe(shown.expected);
    expect(await line.getAttribute('title')).toBeTruthy();
    await page.getByLabel('Timestamps').check();
    const visible = await log
      .locator('time.ts')
      .evaluateAll(
        (els) => els.filter((e) => (e as unknown as { checkVisibility(): boolean }).checkVisibility()).length,
      );
    expect(visible).toBe(await log.locator('.line').count());
    await page.screenshot({ path: join(SHOTS, 'dashboard-log-colours.png') });
    expect(problems).toEqual([]);
    await close();
  });

  it('searches the log: highlights, counts, steps with keys and buttons, across colours', async () => {
    const { page, problems, close } = await tokenPage();
    await page.goto(`${server.url}/#/jobs/${jobId}`);
    const log = page.locator('[data-testid=log]');
    await log.getByText('zebra 5').waitFor(WAIT);
    const search = page.getByLabel('Search the log');
    const count = page.getByTestId('match-count');

    await search.fill('ZeBrA');
    await expect.poll(() => count.textContent(), WAIT).toBe('1 of 7');
    expect(await log.locator('mark').count()).toBe(7);
    expect(await log.locator('mark.current').textContent()).toBe('zebra');
    expect(await lineOf(log.locator('mark.current'))).toContain('zebra 1');
    await search.press('Enter');
    await expect.poll(() => count.textContent(), WAIT).toBe('2 of 7');
    expect(await lineOf(log.locator('mark.current'))).toContain('zebra 2');
    await search.press('Shift+Enter');
    await search.press('Shift+Enter');
    await expect.poll(() => count.textContent(), WAIT).toBe('7 of 7');
    await page.getByRole('button', { name: 'Next match' }).click();
    await expect.poll(() => count.textContent(), WAIT).toBe('1 of 7');
    // The current match is scrolled into the log's view.
    const [box, mark] = await Promise.all([log.boundingBox(), log.locator('mark.current').boundingBox()]);
    expect(mark!.y).toBeGreaterThanOrEqual(box!.y);
    expect(mark!.y + mark!.height).toBeLessThanOrEqual(box!.y + box!.height);

    // A match across a colour change is marked in both segments, colours kept.
    await search.fill('alert then');
    await expect.poll(() => count.textContent(), WAIT).toBe('1 of 1');
    const parts = log.locator('mark.current');
    expect(await parts.allTextContents()).toEqual(['alert', ' then']);
    expect(await parts.first().locator('span.ansi-red-fg').count()).toBe(1);

    await search.fill('no such text anywhere');
    await expect.poll(() => count.textContent(), WAIT).toBe('no matches');
    await search.fill('zebra');
    await search.press('Escape');
    await expect.poll(() => log.locator('mark').count(), WAIT).toBe(0);
    expect(problems).toEqual([]);
    await close();
  });

  it('shows the change as an inline diff, as text', async () => {
    const { page, problems, close } = await tokenPage();
    await page.goto(`${server.url}/#/jobs/${jobId}`);
    await page.getByRole('tab', { name: 'Changes' }).click();
    const diff = page.getByTestId('diff');
    await diff.getByText('2 files changed').waitFor(WAIT);
    const files = diff.getByRole('list', { name: 'Changed files' });
    expect(await files.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^notes\.txt added \+2 −0$/),
      expect.stringMatching(/^src\/greet\.mjs modified \+1 −1$/),
    ]);
    const added = diff.locator('.d-add', { hasText: '+second <b>bold</b>' });
    await added.waitFor(WAIT);
    expect(await diff.locator('b').count()).toBe(0);
    expect(await css(added, 'backgroundColor')).toBe('rgb(230, 246, 236)');
    await diff.locator('.d-del', { hasText: "-  return 'Hello, ' + name + '!';" }).waitFor(WAIT);
    await diff.locator('.d-add', { hasText: "+  return 'Howdy, ' + name + '!';" }).waitFor(WAIT);
    await files.getByRole('button', { name: 'src/greet.mjs' }).click();
    await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toContain('src/greet.mjs');
    await page.screenshot({ path: join(SHOTS, 'dashboard-diff.png'), fullPage: true });

    // The log is still there behind its tab; narrow screens do not scroll sideways.
    await page.getByRole('tab', { name: 'Log' }).click();
    await page.locator('[data-testid=log]').getByText('zebra 5').waitFor(WAIT);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('tab', { name: 'Changes' }).click();
    await diff.getByText('2 files changed').waitFor(WAIT);
    const widths = await page.evaluate<Widths>(WIDTHS);
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    await page.screenshot({ path: join(SHOTS, 'dashboard-narrow-diff.png'), fullPage: true });
    expect(problems).toEqual([]);
    await close();
  });

  it('re-runs a job with the same spec as a new job, and prefills the form to edit one', async () => {
    const { page, problems, close } = await tokenPage();
    await page.goto(`${server.url}/#/jobs/${jobId}`);
    await badge(page).getByText('succeeded').waitFor(WAIT);
    await page.getByRole('button', { name: 'Re-run', exact: true }).click();
    await page.waitForURL((url) => /#\/jobs\/[0-9a-z]+$/.test(url.hash) && !url.hash.endsWith(jobId), WAIT);
    const newId = page.url().split('/').pop()!;
    const [before, after] = [await apiJson(`/api/jobs/${jobId}`), await apiJson(`/api/jobs/${newId}`)];
    expect(newId).not.toBe(jobId);
    expect(after.spec).toEqual(before.spec);
    expect(after.source).toEqual({ intake: 'api' });
    await page.locator('[data-testid=log]').getByText('zebra 5').waitFor(WAIT);
    expect(await waitForStatus(newId, ['succeeded', 'failed'])).toBe('succeeded');

    await page.getByRole('button', { name: 'Edit and re-run' }).click();
    await page.waitForURL(/#\/new$/, WAIT);
    expect(await page.inputValue('input[name=repo]')).toBe(repo.bareDir);
    expect(await page.inputValue('textarea[name=prompt]')).toBe('Colour and markup');
    expect(await page.inputValue('select[name=agent]')).toBe('command');
    expect(await page.inputValue('input[name=agentCmd]')).toBe(before.spec.agentCmd);
    expect(problems).toEqual([]);
    await close();
  });
});

describe('dashboard: job list', () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    ids.widget = await submit({
      repo: otherRepo.bareDir,
      prompt: 'Polish the frobnicator',
      agent: 'command',
      agentCmd: 'echo polished > frob.txt',
    });
    // A job as the forge intake records it (written to the server's store, run by its workers).
    const store = new SqliteStore(join(server.dataDir, 'drover.db'));
    try {
      const spec = parseJobSpec({
        repo: otherRepo.bareDir,
        prompt: 'Answer the issue',
        agent: 'command',
        agentCmd: 'echo answered > issue.txt',
      });
      const job = await store.enqueue(spec, {
        source: {
          intake: 'forge',
          forge: 'github',
          repo: 'acme/widgets',
          kind: 'issue',
          number: 7,
          author: 'octo',
          url: 'https://github.com/acme/widgets/issues/7',
        },
      });
      ids.forge = job.id;
    } finally {
      await store.close();
    }
    await waitForStatus(ids.widget, ['succeeded']);
    await waitForStatus(ids.forge, ['succeeded']);
  });

  it('searches free text, filters repos by substring, and says when nothing matches', async () => {
    const { page, problems, close } = await tokenPage();
    await page.goto(`${server.url}/#/`);
    const rows = page.locator('tbody tr');
    await page.locator(`tr[data-job="${ids.widget}"]`).waitFor(WAIT);
    const shown = async () =>
      (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-job')))).sort();

    const search = page.getByLabel('Search jobs');
    await search.fill('FROBNICATOR');
    await expect.poll(shown, WAIT).toEqual([ids.widget]);
    await search.fill(ids.forge!.slice(0, 10));
    await expect.poll(shown, WAIT).toEqual([ids.forge]);
    await search.fill('');
    const repoFilter = page.getByLabel('Repository filter');
    await repoFilter.fill('widget-SERV');
    await expect.poll(shown, WAIT).toEqual([ids.widget, ids.forge].sort());

    // Filters that match nothing: not "No jobs yet", and a way out.
    await search.fill('no-job-has-this-text');
    await page.getByText('No jobs match these filters.').waitFor(WAIT);
    expect(await page.getByText('No jobs yet.').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'dashboard-no-match.png') });
    await page.getByRole('status').getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(async () => (await shown()).length, WAIT).toBeGreaterThanOrEqual(3);
    expect(await search.inputValue()).toBe('');
    expect(await repoFilter.inputValue()).toBe('');

    // The source: a tag in the list, the details on the job page.
    const forgeRow = page.locator(`tr[data-job="${ids.forge}"]`);
    const tag = forgeRow.locator('.source-tag');
    expect(await tag.textContent()).toBe('forge');
    expect(await tag.getAttribute('title')).toBe('Created by GitHub issue #7 in acme/widgets by @octo');
    expect(await page.locator(`tr[data-job="${ids.widget}"] .source-tag`).textContent()).toBe('API');
    await forgeRow.locator('a.mono').click();
    const source = page.getByTestId('job-source');
    await source.waitFor(WAIT);
    expect(await source.textContent()).toContain('GitHub issue #7 in acme/widgets by @octo');
    expect(await source.getByRole('link', { name: 'open' }).getAttribute('href')).toBe(
      'https://github.com/acme/widgets/issues/7',
    );
    expect(problems).toEqual([]);
    await close();
  });
});

describe('dashboard: cancelled jobs', () => {
  it('shows a cancelled job as cancelled (grey), not as a failure, in the job, the list and the charts', async () => {
    const { page, problems, close } = await tokenPage();
    const gate = join(gateDir, 'never');
    const id = await submit({
      repo: repo.bareDir,
      prompt: 'Wait to be cancelled',
      agent: 'command',
      agentCmd: `echo waiting; n=0; while [ ! -f ${gate} ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n+1)); done`,
      sandbox: 'none',
    });
    await page.goto(`${server.url}/#/jobs/${id}`);
    await page.locator('[data-testid=log]').getByText('waiting', { exact: true }).waitFor(WAIT);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel' }).click();
    await badge(page).getByText('cancelled').waitFor(WAIT);
    const grey = 'rgb(107, 114, 128)';
    expect(await css(badge(page), 'backgroundColor')).toBe(grey);
    await page.locator('.neutral-box', { hasText: 'cancelled' }).waitFor(WAIT);
    expect(await page.locator('.error-box').count()).toBe(0);
    await page.locator('.timeline li.end-cancelled').waitFor(WAIT);
    const status = page.locator('[data-testid=log] .line.t-status.st-cancelled');
    await status.waitFor(WAIT);
    expect(await css(status.locator('.text'), 'color')).toBe('rgb(181, 189, 201)');
    await page.screenshot({ path: join(SHOTS, 'dashboard-cancelled.png') });

    await page.locator('nav').getByRole('link', { name: 'Jobs' }).click();
    const row = page.locator(`tr[data-job="${id}"] .badge-cancelled`);
    await row.waitFor(WAIT);
    expect(await css(row, 'backgroundColor')).toBe(grey);
    await page.locator('nav').getByRole('link', { name: 'Charts' }).click();
    const bar = page.locator('svg[aria-label="Jobs per hour by status"] rect.fill-cancelled').first();
    await bar.waitFor(WAIT);
    expect(await css(bar, 'fill')).toBe(grey);
    expect(await page.locator('.legend').textContent()).toContain('cancelled');
    expect(problems).toEqual([]);
    await close();
  });
});

describe('dashboard: submit form', () => {
  it('sends the advanced options, shows field errors next to their fields, and round-trips a spec', async () => {
    const { page, problems, close } = await tokenPage();
    await page.goto(`${server.url}/#/new`);
    await page.fill('input[name=repo]', repo.bareDir);
    await page.fill('textarea[name=prompt]', 'Every option');
    await page.selectOption('select[name=agent]', 'command');
    await page.fill('input[name=agentCmd]', 'echo options > options.txt');
    await page.fill('input[name=model]', 'model-1');
    await page.getByText('Advanced options').click();
    await page.fill('input[name=branch]', 'ui/every-option');
    await page.check('input[name=resetBranch]');
    await page.fill('input[name=timeout]', '4m');
    await page.fill('input[name=idleTimeout]', '3m');
    await page.fill('input[name=maxTurns]', '7');
    await page.fill('input[name=maxCostUsd]', '1.5');
    await page.selectOption('select[name=sandbox]', 'none');
    await page.fill('input[name=environment]', 'Not A Name');
    await page.fill('textarea[name=verify]', 'test -f options.txt\n\necho verified');
    await page.fill('input[name=fixRounds]', '1');
    await page.check('input[name=allowNoChanges]');
    await page.check('input[name=prOnFailure]');
    await page.selectOption('select[name=prProvider]', 'github');
    await page.check('input[name=review]');
    await page.selectOption('select[name=reviewAgent]', 'command');
    await page.fill('input[name=reviewCmd]', 'echo LGTM');
    await page.fill('input[name=reviewCycles]', '9');
    await page.getByRole('button', { name: 'Submit job' }).click();

    // Each server error sits under its own field.
    const env = page.locator('label.invalid', { hasText: 'Environment' });
    await env.getByText('must be a lowercase name').waitFor(WAIT);
    expect(await page.getByLabel('Environment').getAttribute('aria-invalid')).toBe('true');
    await page.locator('label.invalid', { hasText: 'Review cycles' }).locator('.field-error').waitFor(WAIT);
    expect(await page.locator('label.invalid').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'dashboard-advanced-errors.png'), fullPage: true });

    await page.fill('input[name=environment]', '');
    await page.fill('input[name=reviewCycles]', '2');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\/[0-9a-z]+$/, WAIT);
    const id = page.url().split('/').pop()!;
    const job = await apiJson(`/api/jobs/${id}`);
    expect(job.spec).toEqual({
      repo: repo.bareDir,
      prompt: 'Every option',
      agent: 'command',
      agentCmd: 'echo options > options.txt',
      model: 'model-1',
      branch: 'ui/every-option',
      resetBranch: true,
      timeout: '4m',
      idleTimeout: '3m',
      maxTurns: 7,
      maxCostUsd: 1.5,
      sandbox: 'none',
      verify: ['test -f options.txt', 'echo verified'],
      fixRounds: 1,
      allowNoChanges: true,
      prOnFailure: true,
      prProvider: 'github',
      review: true,
      reviewAgent: 'command',
      reviewCmd: 'echo LGTM',
      reviewCycles: 2,
    });
    expect(job.branch).toBe('ui/every-option');

    // Back into the form: every field as it was sent, the advanced section open.
    await page.getByRole('button', { name: 'Edit and re-run' }).click();
    await page.waitForURL(/#\/new$/, WAIT);
    expect(await page.locator('details.advanced').getAttribute('open')).not.toBeNull();
    const values = await page.evaluate<Record<string, string | boolean>>(
      "Object.fromEntries([...document.querySelectorAll('form [name]')].map((el) => [el.name, el.type === 'checkbox' ? el.checked : el.value]))",
    );
    expect(values).toMatchObject({
      branch: 'ui/every-option',
      resetBranch: true,
      timeout: '4m',
      idleTimeout: '3m',
      maxTurns: '7',
      maxCostUsd: '1.5',
      sandbox: 'none',
      environment: '',
      verify: 'test -f options.txt\necho verified',
      noVerify: false,
      fixRounds: '1',
      push: true,
      allowNoChanges: true,
      pr: false,
      prOnFailure: true,
      prProvider: 'github',
      review: true,
      reviewAgent: 'command',
      reviewCmd: 'echo LGTM',
      reviewCycles: '2',
      model: 'model-1',
    });
    // The form is usable on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    const widths = await page.evaluate<Widths>(WIDTHS);
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    await waitForStatus(id, ['succeeded', 'failed', 'needs_human']);
    // The 400 of the invalid form is expected.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await close();
  });
});
