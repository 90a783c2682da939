import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import {
  assertLocalRepoAllowed,
  type LocalRepoPolicy,
  localRepoProblem,
  localSubmitter,
} from './localRepoAccess.js';

let root: string;
let policy: LocalRepoPolicy;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'drover-local-repos-'));
  for (const dir of ['data/cache/mirror.git', 'work', 'allowed/app.git', 'elsewhere/app.git'])
    mkdirSync(join(root, dir), { recursive: true });
  symlinkSync(join(root, 'data'), join(root, 'allowed', 'data-link'));
  symlinkSync(join(root, 'data/cache'), join(root, 'elsewhere', 'cache-link'));
  symlinkSync(join(root, 'elsewhere/app.git'), join(root, 'allowed', 'outside-link'));
  policy = {
    allowed: [join(root, 'allowed')],
    forbidden: [join(root, 'data'), join(root, 'work')],
  };
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('localRepoProblem', () => {
  it('lets remote URLs through whoever submits them', async () => {
    for (const repo of ['https://github.com/o/r.git', 'git@github.com:o/r.git', 'ssh://h/r']) {
      expect(await localRepoProblem(repo, { trusted: false, policy })).toBeUndefined();
    }
  });

  it('refuses local paths and file:// URLs from remote submitters unless allow-listed', async () => {
    const elsewhere = join(root, 'elsewhere/app.git');
    expect(await localRepoProblem(elsewhere, { trusted: false, policy })).toMatch(/DROVER_ALLOW_LOCAL_REPOS/);
    expect(await localRepoProblem(`file://${elsewhere}`, { trusted: false, policy })).toMatch(/command line/);
    expect(await localRepoProblem(elsewhere, { trusted: true, policy })).toBeUndefined();
    const allowed = join(root, 'allowed/app.git');
    expect(await localRepoProblem(allowed, { trusted: false, policy })).toBeUndefined();
    expect(await localRepoProblem(`FILE://${allowed}`, { trusted: false, policy })).toBeUndefined();
    expect(await localRepoProblem('allowed/app.git', { trusted: false, policy, cwd: root })).toBeUndefined();
    // Not yet existing repos resolve through their existing parents.
    expect(await localRepoProblem(join(allowed, 'x/y'), { trusted: false, policy })).toBeUndefined();
    // A link inside an allowed dir to a repo outside it is judged by where it leads.
    const viaLink = join(root, 'allowed/outside-link');
    expect(await localRepoProblem(viaLink, { trusted: false, policy })).toMatch(/DROVER_ALLOW_LOCAL_REPOS/);
    expect(
      await localRepoProblem(`${root}/allowed/../elsewhere/app.git`, { trusted: false, policy }),
    ).toMatch(/DROVER_ALLOW_LOCAL_REPOS/);
    // A sibling whose name starts with the allowed dir's is not inside it.
    expect(await localRepoProblem(`${root}/allowed2/x.git`, { trusted: false, policy })).toMatch(
      /command line/,
    );
  });

  it('never allows the data or work dir, even to the command line, through symlinks too', async () => {
    const paths = [
      join(root, 'data/cache/mirror.git'),
      `file://${join(root, 'data/cache/mirror.git')}`,
      join(root, 'data'),
      join(root, 'work/drover-abc/repo'),
      join(root, 'allowed/data-link/cache/mirror.git'),
      join(root, 'elsewhere/cache-link/mirror.git'),
      `${root}/allowed/outside-link/../cache-link/mirror.git`,
    ];
    for (const repo of paths) {
      for (const trusted of [true, false]) {
        expect(await localRepoProblem(repo, { trusted, policy }), `${repo} ${trusted}`).toMatch(
          /data or work directory/,
        );
      }
    }
    // Even when the allow-list covers the data dir.
    const open = { ...policy, allowed: [root] };
    expect(
      await localRepoProblem(join(root, 'data/cache/mirror.git'), { trusted: false, policy: open }),
    ).toMatch(/data or work directory/);
  });

  it('throws InvalidInputError naming repo, without quoting the configured dirs', async () => {
    const err = await assertLocalRepoAllowed(join(root, 'data/cache/mirror.git'), {
      trusted: true,
      policy,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues[0]?.path).toBe('repo');
    expect((err as Error).message).not.toContain(root);
  });
});

describe('localSubmitter', () => {
  it('trusts only the command line, and on Redis only the process that enqueued the job', () => {
    expect(localSubmitter({ intake: 'cli' }, { storeKind: 'sqlite' })).toBe(true);
    expect(localSubmitter({ intake: 'cli' }, { storeKind: 'redis' })).toBe(false);
    expect(localSubmitter({ intake: 'cli' }, { storeKind: 'redis', ownJob: true })).toBe(true);
    for (const intake of ['api', 'redis', 'forge', 'plan', 'task-runner'] as const) {
      expect(localSubmitter({ intake }, { storeKind: 'sqlite', ownJob: true })).toBe(false);
    }
    expect(localSubmitter(null, { storeKind: 'sqlite' })).toBe(false);
    // drover plan kickoff runs its planner in-process; the API's kickoff leaves it to workers.
    const planner = { intake: 'plan', role: 'planner' } as const;
    expect(localSubmitter(planner, { storeKind: 'sqlite', ownJob: true })).toBe(true);
    expect(localSubmitter(planner, { storeKind: 'sqlite' })).toBe(false);
    expect(localSubmitter({ intake: 'plan', role: 'executor' }, { storeKind: 'sqlite', ownJob: true })).toBe(
      false,
    );
  });
});
