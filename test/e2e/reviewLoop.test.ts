import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fakeGitHub.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import { type BareRepo, createBareRepo, gitIn, listBranches, readFileAtRef } from '../support/gitRepos.js';
import { jobLog, phasesOf, systemLines } from '../support/jobLog.js';

const TOKEN = 'ghs_reviewLoopToken_0123456789abcdef';

// Executor: writes "v1" first, "v2" once its prompt carries review findings (and echoes that prompt).
const EXECUTOR = [
  'if printf %s "$DROVER_PROMPT" | grep -q "Review requested changes"; then',
  '  echo v2 > impl.txt; printf "%s\\n" "$DROVER_PROMPT";',
  'else echo v1 > impl.txt; fi',
].join(' ');
// Reviewer: must see the diff in its prompt; passes only v2.
const REVIEWER = [
  'printf %s "$DROVER_PROMPT" | grep -q "^+v[12]$" && echo "diff received";',
  'if grep -q v2 impl.txt; then echo "Looks right."; echo "REVIEW: PASS";',
  'else echo "- impl.txt:1: must say v2, not v1"; echo "**REVIEW: FAIL**"; exit 1; fi',
].join(' ');
// Answers without a verdict, then (asked again) FAIL, every time; also tries to edit the workspace.
const NEVER_SATISFIED = [
  'echo tampered > impl.txt;',
  'if printf %s "$DROVER_PROMPT" | grep -q "ended without a verdict"; then echo "- still wrong"; echo "REVIEW: FAIL";',
  'else echo "I have thoughts but no verdict"; fi',
].join(' ');

let repo: BareRepo;
let git: GitHttpServer;
let github: FakeGitHub;
let dataDir: string;
let workDir: string;
let remote: string;

beforeAll(async () => {
  repo = await createBareRepo({ name: 'acme/app' });
  git = await startGitHttpServer({ projectRoot: repo.dir, token: TOKEN });
  github = await startFakeGitHub({ token: TOKEN, owner: 'acme', repo: 'app' });
  remote = `${git.url}/acme/app.git`;
  dataDir = mkdtempSync(join(tmpdir(), 'drover-e2e-review-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'drover-e2e-review-work-'));
});
afterAll(async () => {
  await github?.close();
  await git?.close();
  await repo?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

const env = () => ({ DROVER_WORK_DIR: workDir, DROVER_GIT_TOKEN: TOKEN });
const job = (...args: string[]) => [
  'run',
  '--repo',
  remote,
  '--data-dir',
  dataDir,
  '--prompt',
  'Implement v2',
  '--agent-cmd',
  EXECUTOR,
  '--review',
  '--json',
  ...args,
];

describe('reviewer loop', () => {
  it('sends FAIL findings back to the executor, verifies again, and succeeds when the reviewer passes', async () => {
    const res = await runDrover(
      job('--review-cmd', REVIEWER, '--verify', 'test -s impl.txt', '--branch', 'review/pass'),
      { env: env() },
    );
    expect(res.code, res.stderr).toBe(0);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'succeeded', errorKind: null });
    expect(await readFileAtRef(repo.bareDir, 'review/pass', 'impl.txt')).toBe('v2\n');

    const log = await jobLog(record.id, dataDir);
    expect(systemLines(log, 'review.outcome').map((e) => e.line)).toEqual([
      'REVIEW_OUTCOME FAIL (review 1/3)',
      'REVIEW_OUTCOME PASS (review 2/3)',
    ]);
    expect(phasesOf(log).filter((p) => ['agent', 'verify', 'review'].includes(p))).toEqual([
      'agent',
      'verify',
      'review',
      'agent',
      'verify',
      'review',
    ]);
    const lines = log.map((e) => e.line);
    // Both reviews saw the diff (the third line is the findings echoed in the executor's prompt).
    expect(lines.filter((l) => l === 'diff received')).toHaveLength(3);
    // The executor's second prompt carried the reviewer's findings, without the verdict line.
    expect(lines).toContain('- impl.txt:1: must say v2, not v1');
    expect(lines).toContain(
      'Review requested changes (review cycle 1 of 3): a reviewer read your change and found problems.',
    );
    const report = JSON.parse(
      (await runDrover(['artifacts', record.id, '--get', 'review-report.json', '--data-dir', dataDir]))
        .stdout,
    );
    expect(report.outcome).toBe('PASS');
    expect(report.reviews[0]).toMatchObject({ cycle: 1, outcome: 'FAIL', attempts: 1 });
    expect(report.reviews[0].findings).toContain('impl.txt:1: must say v2');
    expect(report.reviews[0].findings).not.toContain('REVIEW:');
  });

  it('ends needs_human after the cap, keeps the branch pushed and opens a draft PR; a verdict-less answer is retried once', async () => {
    const res = await runDrover(
      job(
        '--review-cmd',
        NEVER_SATISFIED,
        '--review-cycles',
        '2',
        // Without a sandbox the reviewer can write; Drover must put the workspace back itself.
        '--sandbox',
        'none',
        '--branch',
        'review/never',
        '--pr',
        '--pr-provider',
        'github',
        '--github-api-url',
        github.url,
      ),
      { env: env() },
    );
    expect(res.code).toBe(1);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({
      status: 'needs_human',
      errorKind: 'review',
      prUrl: 'https://github.test/acme/app/pull/1',
    });
    expect(record.errorMessage).toBe(
      'The reviewer still asked for changes after 2 review cycles; a human needs to decide.',
    );
    expect(await listBranches(repo.bareDir)).toContain('review/never');
    // The reviewer's edit was discarded: the branch has the executor's content.
    expect(await readFileAtRef(repo.bareDir, 'review/never', 'impl.txt')).toBe('v2\n');

    const log = await jobLog(record.id, dataDir);
    expect(systemLines(log, 'review.outcome').map((e) => [e.data?.outcome, e.data?.attempts])).toEqual([
      ['FAIL', 2],
      ['FAIL', 2],
    ]);
    expect(log.map((e) => e.line)).toContain(
      'REVIEW_OUTCOME INCOMPLETE: no verdict line; asking the reviewer again',
    );
    expect(log.map((e) => e.line)).toContain('The reviewer changed files; its changes were discarded');
    expect(systemLines(log, 'review.cap')).toHaveLength(1);

    const posts = github.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toMatchObject({
      head: 'review/never',
      base: 'main',
      title: 'Implement v2',
      draft: true,
    });
    const body = bodyField(posts[0], 'body');
    expect(body).toContain('**Draft — Needs a human.**');
    expect(body).toContain('❌ FAIL after 2 reviews.');
    expect(body).toContain('still wrong');
  });

  it('review-only mode: reviews an existing branch read-only and records the verdict and findings on the job', async () => {
    const before = await gitIn(repo.bareDir, 'rev-parse', 'review/pass');
    const reviewOnly = (...args: string[]) =>
      runDrover(
        [
          'run',
          '--repo',
          remote,
          '--data-dir',
          dataDir,
          '--prompt',
          'Implement v2',
          '--agent',
          'command',
          '--mode',
          'review',
          '--json',
          ...args,
        ],
        { env: env() },
      );
    const res = await reviewOnly(
      '--branch',
      'review/pass',
      '--review-cmd',
      'printf %s "$DROVER_PROMPT" | grep -q "^+v2$" && echo "- impl.txt:1: fine"; echo "REVIEW: FAIL missing tests"; echo tampered > impl.txt',
    );
    expect(res.code, res.stderr).toBe(0);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'succeeded', verdict: 'FAIL', errorKind: null, commit: null });
    expect(record.findings).toBe('- impl.txt:1: fine\nmissing tests');
    // Nothing was committed or pushed: the branch is where it was.
    expect(await gitIn(repo.bareDir, 'rev-parse', 'review/pass')).toBe(before);
    const log = await jobLog(record.id, dataDir);
    expect(phasesOf(log)).toEqual(['preparing', 'cloning', 'setup', 'review']);
    expect(systemLines(log, 'review.outcome').map((e) => e.data?.outcome)).toEqual(['FAIL']);
    // The reviewer ran read-only: its write failed, and nothing had to be put back.
    expect(log.some((e) => e.stream === 'stderr' && e.line.includes('Read-only file system'))).toBe(true);
    expect(log.map((e) => e.line)).not.toContain('The reviewer changed files; its changes were discarded');
    const report = JSON.parse(
      (await runDrover(['artifacts', record.id, '--get', 'review-report.json', '--data-dir', dataDir]))
        .stdout,
    );
    expect(report).toMatchObject({
      outcome: 'FAIL',
      reviews: [{ outcome: 'FAIL', findings: record.findings }],
    });

    const pass = JSON.parse(
      (await reviewOnly('--branch', 'review/pass', '--review-cmd', 'echo "All good."; echo "REVIEW: PASS"'))
        .stdout,
    );
    expect(pass).toMatchObject({ status: 'succeeded', verdict: 'PASS', findings: 'All good.' });

    const missing = await reviewOnly('--branch', 'review/absent', '--review-cmd', 'echo "REVIEW: PASS"');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      status: 'failed',
      errorKind: 'no_changes',
      verdict: null,
    });
    const noBranch = await reviewOnly('--review-cmd', 'echo "REVIEW: PASS"');
    expect(noBranch.code).toBe(2);
    expect(noBranch.stderr).toContain('branch: is required when mode is "review"');
  });

  it('refuses out-of-range review cycles, naming the field', async () => {
    const res = await runDrover(job('--review-cycles', '9'), { env: env() });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('reviewCycles (--review-cycles)');
  });
});

/** A string field of a recorded forge request's JSON body ('' when absent). */
function bodyField(req: { body: unknown } | undefined, field: string): string {
  const value = (req?.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : '';
}
