import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { matchRepo } from './matchRepo.js';
import { RepoDefaults } from './RepoDefaults.js';
import { repoIsConfigured, resolveJobSpec } from './resolveJobSpec.js';

const repos = [
  RepoDefaults.parse({ match: 'acme/*', agent: 'codex', maxTurns: 30, verify: ['npm test'] }),
  RepoDefaults.parse({ match: 'acme/app', maxTurns: 50, pr: true }),
  RepoDefaults.parse({ match: 'gitlab.example.com/group/**', agent: 'command', agentCmd: 'make fix' }),
];

describe('matchRepo', () => {
  it.each([
    ['acme/app', 'https://github.com/acme/app.git', true],
    ['ACME/App', 'https://github.com/acme/app', true],
    ['acme/*', 'git@github.com:acme/app.git', true],
    ['acme/*', 'https://github.com/acme/sub/app.git', false],
    ['acme/**', 'https://github.com/acme/sub/app.git', true],
    ['github.com/acme/app', 'https://github.com/acme/app.git', true],
    ['gitlab.com/acme/app', 'https://github.com/acme/app.git', false],
    ['acme/ap?', 'https://github.com/acme/app.git', true],
    ['acme.app', 'https://github.com/acmeXapp.git', false],
    ['/srv/repos/*', '/srv/repos/app', true],
  ])('%s vs %s → %s', (pattern, repo, expected) => {
    expect(matchRepo(pattern, repo)).toBe(expected);
  });
});

describe('resolveJobSpec', () => {
  it('lays matching entries under the job in order; the job’s own fields win', () => {
    const spec = resolveJobSpec({ repo: 'https://github.com/acme/app.git', prompt: 'x' }, repos);
    expect(spec).toMatchObject({ agent: 'codex', maxTurns: 50, verify: ['npm test'], pr: true });
    const own = resolveJobSpec(
      { repo: 'https://github.com/acme/app.git', prompt: 'x', agent: 'claude', maxTurns: 3, verify: [] },
      repos,
    );
    expect(own).toMatchObject({ agent: 'claude', maxTurns: 3, verify: [], pr: true });
  });

  it('applies nothing to a repo no entry matches, and the built-in agent default still holds', () => {
    const spec = resolveJobSpec({ repo: 'https://github.com/other/x.git', prompt: 'x' }, repos);
    expect(spec.agent).toBe('claude');
    expect(spec.maxTurns).toBeUndefined();
    expect(repoIsConfigured('https://github.com/other/x.git', repos)).toBe(false);
    expect(repoIsConfigured('https://github.com/acme/x.git', repos)).toBe(true);
  });

  it('drops a default agentCmd when the job picks another agent', () => {
    const repo = 'https://gitlab.example.com/group/sub/proj.git';
    expect(resolveJobSpec({ repo, prompt: 'x' }, repos)).toMatchObject({
      agent: 'command',
      agentCmd: 'make fix',
    });
    const spec = resolveJobSpec({ repo, prompt: 'x', agent: 'gemini' }, repos);
    expect(spec.agent).toBe('gemini');
    expect(spec.agentCmd).toBeUndefined();
  });

  it('still names the job’s bad fields', () => {
    expect(() => resolveJobSpec({ repo: 'https://github.com/acme/app.git', prompt: '' }, repos)).toThrow(
      InvalidInputError,
    );
    expect(() => resolveJobSpec({ repo: 'https://github.com/acme/app.git', prompt: '' }, repos)).toThrow(
      /prompt/,
    );
  });

  it('refuses unknown fields in a repos entry, naming them', () => {
    const bad = RepoDefaults.safeParse({ match: 'a/b', agnet: 'codex' });
    expect(bad.success).toBe(false);
    expect(RepoDefaults.safeParse({ match: 'a/b', prompt: 'x' }).success).toBe(false);
    expect(RepoDefaults.safeParse({ agent: 'codex' }).success).toBe(false);
  });
});
