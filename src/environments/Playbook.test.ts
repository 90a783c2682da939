import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SetupError } from '../errors.js';
import { loadDroverFileConfig } from './EnvironmentConfig.js';
import { parsePlaybook, readPlaybook } from './Playbook.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-playbook-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('playbook (.drover.yml)', () => {
  it('parses setup, verify and env, with defaults', () => {
    expect(parsePlaybook('setup:\n  - npm ci\nverify:\n  - npm test\nenv:\n  CI: "1"\n')).toEqual({
      setup: ['npm ci'],
      verify: ['npm test'],
      env: { CI: '1' },
      file: '.drover.yml',
    });
    expect(parsePlaybook('')).toEqual({ setup: [], verify: [], env: {}, file: '.drover.yml' });
  });

  it.each([
    ['setup: npm ci', /^\.drover\.yml: setup: .*array/],
    ['verify: ["  "]', /verify\.0: must not be empty/],
    ['env:\n  "bad name": x', /env\.bad name: must be an environment variable name/],
    [
      'env:\n  DROVER_WORK_DIR: /',
      /env\.DROVER_WORK_DIR: DROVER_\* and GIT_CONFIG_\* variables are reserved/,
    ],
    ['stages: []', /stages: unknown field/],
    ['- just a list', /\(root\): /],
  ])('refuses %j naming the field', (text, message) => {
    expect(() => parsePlaybook(text)).toThrow(SetupError);
    expect(() => parsePlaybook(text)).toThrow(message);
  });

  it('reads .drover.yml from the checkout, refuses a symlink, and is absent when there is none', async () => {
    const repo = mkdtempSync(join(dir, 'repo-'));
    expect(await readPlaybook(repo)).toBeUndefined();
    writeFileSync(join(repo, '.drover.yaml'), 'setup: [make]\n');
    expect(await readPlaybook(repo)).toMatchObject({ setup: ['make'], file: '.drover.yaml' });
    const linked = mkdtempSync(join(dir, 'repo-'));
    symlinkSync('/etc/hostname', join(linked, '.drover.yml'));
    await expect(readPlaybook(linked)).rejects.toThrow('.drover.yml: must be a regular file');
  });
});

describe('DROVER_CONFIG', () => {
  it('reads environments from YAML or JSON', () => {
    const yaml = join(dir, 'c.yaml');
    writeFileSync(yaml, 'environments:\n  node:\n    env: { NODE_ENV: test }\n    setup: [npm ci]\n');
    expect(loadDroverFileConfig(yaml).environments.node).toEqual({
      env: { NODE_ENV: 'test' },
      passEnv: [],
      setup: ['npm ci'],
    });
    const json = join(dir, 'c.json');
    writeFileSync(json, '{"environments": {"py": {"passEnv": ["PIP_INDEX_URL"]}}}');
    expect(loadDroverFileConfig(json).environments.py?.passEnv).toEqual(['PIP_INDEX_URL']);
  });

  it.each([
    ['environments:\n  Node: {}\n', /environments\.Node: must be a lowercase name/],
    [
      'environments:\n  node:\n    passEnv: [DROVER_GIT_TOKEN]\n',
      /environments\.node\.passEnv\.0: DROVER_\*/,
    ],
    ['environments:\n  node:\n    setup: [1]\n', /environments\.node\.setup\.0: /],
    ['envs: {}\n', /envs: unknown field/],
  ])('refuses %j naming the field', (text, message) => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, text);
    expect(() => loadDroverFileConfig(file)).toThrow(message);
  });

  it('names a file it cannot read', () => {
    expect(() => loadDroverFileConfig(join(dir, 'missing.yaml'))).toThrow(
      /DROVER_CONFIG .*missing\.yaml: cannot read it/,
    );
  });
});
