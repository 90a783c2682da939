import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHttpServer, startGitHttpServer } from './gitHttpServer.js';
import {
  type BareRepo,
  branchFiles,
  commitLog,
  createBareRepo,
  DEFAULT_FILES,
  FIXTURE_AUTHOR,
  gitIn,
  listBranches,
  readFileAtRef,
  runGit,
} from './gitRepos.js';

const TOKEN = 'ghs_fixtureToken_0123456789abcdef';
const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

/** Env that hands git an auth header only through GIT_CONFIG_* (nothing on disk, nothing in the URL). */
function authEnv(url: string, header: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${url}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: ${header}`,
  };
}

describe('git fixtures over smart HTTP', () => {
  let repo: BareRepo;
  let server: GitHttpServer;
  let work: string;
  let remote: string;

  beforeAll(async () => {
    repo = await createBareRepo({ name: 'proj', commits: 3 });
    server = await startGitHttpServer({ projectRoot: repo.dir, token: TOKEN });
    work = await mkdtemp(join(tmpdir(), 'drover-fixture-work-'));
    remote = `${server.url}/proj.git`;
  });
  afterAll(async () => {
    await server?.close();
    await repo?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('seeds a deterministic bare repo', async () => {
    expect(await listBranches(repo.bareDir)).toEqual(['main']);
    expect(await gitIn(repo.bareDir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    const log = await commitLog(repo.bareDir, 'main');
    expect(log.map((c) => c.subject)).toEqual(['Change 2', 'Change 1', 'Initial commit']);
    expect(log[0]).toMatchObject({ authorName: FIXTURE_AUTHOR.name, authorEmail: FIXTURE_AUTHOR.email });
    const files = await branchFiles(repo.bareDir, 'main');
    expect(files).toEqual({ ...DEFAULT_FILES, 'HISTORY.md': '- change 1\n- change 2\n' });
    // Fixed dates => same commit ids every run.
    const again = await createBareRepo({ commits: 3 });
    try {
      expect((await commitLog(again.bareDir, 'main'))[0]?.sha).toBe(log[0]?.sha);
    } finally {
      await again.cleanup();
    }
  });

  it('clones, commits and pushes a branch with the token only in env config', async () => {
    const clone = join(work, 'clone');
    const env = authEnv(server.url, basic('x-access-token', TOKEN));
    await runGit(['clone', '-q', remote, clone], { env });
    expect(await readFile(join(clone, 'README.md'), 'utf8')).toBe(DEFAULT_FILES['README.md']);

    const gitConfig = await readFile(join(clone, '.git', 'config'), 'utf8');
    expect(gitConfig).toContain(remote);
    expect(gitConfig).not.toContain(TOKEN);
    expect(gitConfig).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    expect(gitConfig.toLowerCase()).not.toContain('extraheader');

    await runGit(['switch', '-q', '-c', 'drover/task-1'], { cwd: clone });
    await writeFile(join(clone, 'NOTES.md'), 'agent was here\n');
    await runGit(['add', 'NOTES.md'], { cwd: clone });
    await runGit(['commit', '-q', '-m', 'Add notes'], {
      cwd: clone,
      env: { GIT_AUTHOR_NAME: 'Drover Bot', GIT_AUTHOR_EMAIL: 'bot@drover.test' },
    });
    await runGit(['push', '-q', 'origin', 'drover/task-1'], { cwd: clone, env });

    expect(await listBranches(repo.bareDir)).toEqual(['drover/task-1', 'main']);
    expect(await readFileAtRef(repo.bareDir, 'drover/task-1', 'NOTES.md')).toBe('agent was here\n');
    expect(await readFileAtRef(repo.bareDir, 'main', 'NOTES.md')).toBeUndefined();
    const pushed = await commitLog(repo.bareDir, 'main..drover/task-1');
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toMatchObject({
      subject: 'Add notes',
      authorName: 'Drover Bot',
      authorEmail: 'bot@drover.test',
    });

    // Token travelled only as a header: never in a path or query string.
    expect(server.requests.length).toBeGreaterThan(0);
    for (const r of server.requests) {
      expect(r.path + r.query).not.toContain(TOKEN);
    }
    const receive = server.requests.filter((r) => r.path.endsWith('/git-receive-pack'));
    expect(receive.length).toBeGreaterThan(0);
    expect(receive.every((r) => r.authorization === basic('x-access-token', TOKEN))).toBe(true);
  });

  it('accepts a Bearer token too', async () => {
    const res = await runGit(['ls-remote', '--heads', remote], {
      env: authEnv(server.url, `Bearer ${TOKEN}`),
    });
    expect(res.stdout).toContain('refs/heads/main');
  });

  it('rejects a clone without a token, without prompting', async () => {
    const res = await runGit(['clone', '-q', remote, join(work, 'anon')], { allowFailure: true });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/terminal prompts disabled|Authentication failed|could not read Username/);
    const last = server.requests.at(-1);
    expect(last?.status).toBe(401);
    expect(last?.authorization).toBeUndefined();
  });

  it('rejects a wrong token', async () => {
    for (const header of [basic('x-access-token', `${TOKEN}x`), `Bearer nope`, basic('x', '')]) {
      const res = await runGit(['clone', '-q', remote, join(work, 'wrong')], {
        env: authEnv(server.url, header),
        allowFailure: true,
      });
      expect(res.exitCode).not.toBe(0);
      expect(res.stderr).toMatch(/terminal prompts disabled|Authentication failed|could not read Username/);
    }
  });

  it('pushes ~5 MB of random data (chunked request body)', async () => {
    const clone = join(work, 'big');
    const env = authEnv(server.url, basic('x-access-token', TOKEN));
    await runGit(['clone', '-q', remote, clone], { env });
    await runGit(['switch', '-q', '-c', 'drover/big'], { cwd: clone });
    await writeFile(join(clone, 'blob.bin'), randomBytes(5 * 1024 * 1024));
    await runGit(['add', 'blob.bin'], { cwd: clone });
    await runGit(['commit', '-q', '-m', 'Big blob'], { cwd: clone });
    const before = server.requests.length;
    await runGit(['push', '-q', 'origin', 'drover/big'], { cwd: clone, env });

    expect(await gitIn(repo.bareDir, 'cat-file', '-s', 'drover/big:blob.bin')).toBe(String(5 * 1024 * 1024));
    expect(await gitIn(repo.bareDir, 'rev-parse', 'drover/big')).toBe(
      await gitIn(clone, 'rev-parse', 'HEAD'),
    );
    // Above http.postBuffer (1 MiB) git streams the pack chunked, i.e. with no Content-Length.
    const packPost = server.requests
      .slice(before)
      .filter((r) => r.method === 'POST' && r.path.endsWith('/git-receive-pack') && r.status === 200);
    expect(packPost.some((r) => r.contentLength === undefined)).toBe(true);
  });

  it('handles gzip-encoded request bodies from real git fetches', async () => {
    // Fetch negotiation bodies over 1 KiB are gzipped by git; many local-only commits => many "have" lines.
    const clone = join(work, 'haves');
    const env = authEnv(server.url, basic('x-access-token', TOKEN));
    await runGit(['clone', '-q', remote, clone], { env });
    for (let i = 0; i < 150; i++) {
      await runGit(['commit', '-q', '--allow-empty', '-m', `local ${i}`], { cwd: clone });
    }
    const seed = join(work, 'pusher');
    await runGit(['clone', '-q', remote, seed], { env });
    await runGit(['switch', '-q', '-c', 'drover/upstream'], { cwd: seed });
    await writeFile(join(seed, 'UPSTREAM.md'), 'new upstream work\n');
    await runGit(['add', '-A'], { cwd: seed });
    await runGit(['commit', '-q', '-m', 'Upstream change'], { cwd: seed });
    await runGit(['push', '-q', 'origin', 'drover/upstream'], { cwd: seed, env });

    const before = server.requests.length;
    await runGit(['fetch', '-q', 'origin'], { cwd: clone, env });
    expect(await gitIn(clone, 'show', 'origin/drover/upstream:UPSTREAM.md')).toBe('new upstream work');
    const gz = server.requests.slice(before).filter((r) => r.contentEncoding === 'gzip');
    expect(gz.length).toBeGreaterThan(0);
    expect(gz.every((r) => r.status === 200)).toBe(true);
  });

  it('handles a hand-made gzip protocol-v2 ls-refs request', async () => {
    const pkt = (s: string) => (s.length + 4).toString(16).padStart(4, '0') + s;
    const body = gzipSync(
      Buffer.from(pkt('command=ls-refs\n') + '0001' + pkt('ref-prefix refs/heads/\n') + '0000'),
    );
    const res = await fetch(`${remote}/git-upload-pack`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/x-git-upload-pack-request',
        'content-encoding': 'gzip',
        'git-protocol': 'version=2',
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    const text = await res.text();
    expect(text).toContain('refs/heads/main');
  });
});

describe('git http server without a token', () => {
  it('serves anonymous clone and push, and 404s unknown repos', async () => {
    const repo = await createBareRepo({ files: { 'a.txt': 'a\n' }, branch: 'trunk' });
    const server = await startGitHttpServer({ projectRoot: repo.dir });
    const work = await mkdtemp(join(tmpdir(), 'drover-fixture-anon-'));
    try {
      const clone = join(work, 'c');
      await runGit(['clone', '-q', `${server.url}/repo.git`, clone]);
      expect(await gitIn(clone, 'branch', '--show-current')).toBe('trunk');
      await writeFile(join(clone, 'b.txt'), 'b\n');
      await runGit(['add', '-A'], { cwd: clone });
      await runGit(['commit', '-q', '-m', 'b'], { cwd: clone });
      await runGit(['push', '-q', 'origin', 'HEAD:refs/heads/feature'], { cwd: clone });
      expect(await branchFiles(repo.bareDir, 'feature')).toEqual({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
      expect(server.requests.every((r) => r.authorization === undefined)).toBe(true);

      const missing = await runGit(['ls-remote', `${server.url}/nope.git`], { allowFailure: true });
      expect(missing.exitCode).not.toBe(0);
      expect(server.requests.at(-1)?.status).toBe(404);
    } finally {
      await server.close();
      await repo.cleanup();
      await rm(work, { recursive: true, force: true });
    }
  });

  it('refuses pushes when receivePack is false', async () => {
    const repo = await createBareRepo();
    const server = await startGitHttpServer({ projectRoot: repo.dir, receivePack: false });
    const work = await mkdtemp(join(tmpdir(), 'drover-fixture-ro-'));
    try {
      const clone = join(work, 'c');
      await runGit(['clone', '-q', `${server.url}/repo.git`, clone]);
      await runGit(['commit', '-q', '--allow-empty', '-m', 'x'], { cwd: clone });
      const res = await runGit(['push', '-q', 'origin', 'HEAD:refs/heads/x'], {
        cwd: clone,
        allowFailure: true,
      });
      expect(res.exitCode).not.toBe(0);
      expect(await listBranches(repo.bareDir)).toEqual(['main']);
    } finally {
      await server.close();
      await repo.cleanup();
      await rm(work, { recursive: true, force: true });
    }
  });
});
