import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadForgeConfig, loadForgeCredentials } from './ForgeConfig.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-forge-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});
const SECRET = '0123456789abcdef0123';

describe('loadForgeConfig', () => {
  it('is off without secrets, with the defaults', () => {
    const config = loadForgeConfig({});
    expect(config).toMatchObject({
      mention: '@drover',
      label: 'drover',
      allowUsers: [],
      githubApiUrl: 'https://api.github.com',
      gitlabApiUrl: 'https://gitlab.com/api/v4',
      webhookMaxBytes: 5 * 1024 * 1024,
    });
    expect(config.githubSecret).toBeUndefined();
  });

  it('reads an App key inline (with \\n escapes) or from a file, and never echoes a bad one', () => {
    const inline = loadForgeCredentials({
      DROVER_GITHUB_APP_ID: '123',
      DROVER_GITHUB_APP_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'),
    });
    expect(inline.githubApp?.privateKey).toBe(privateKey.trim());
    const file = join(dir, 'key.pem');
    writeFileSync(file, privateKey);
    expect(
      loadForgeCredentials({ DROVER_GITHUB_APP_ID: '123', DROVER_GITHUB_APP_PRIVATE_KEY_FILE: file })
        .githubApp?.appId,
    ).toBe('123');
    const bad = () =>
      loadForgeCredentials({
        DROVER_GITHUB_APP_ID: '123',
        DROVER_GITHUB_APP_PRIVATE_KEY: 'hunter2-not-a-key',
      });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/^DROVER_GITHUB_APP_PRIVATE_KEY: is not a PEM private key/);
    expect(bad).not.toThrow(/hunter2/);
    expect(() => loadForgeCredentials({ DROVER_GITHUB_APP_ID: '123' })).toThrow(
      /DROVER_GITHUB_APP_PRIVATE_KEY \(or _FILE\) is not/,
    );
    expect(() => loadForgeCredentials({ DROVER_GITHUB_APP_PRIVATE_KEY: privateKey })).toThrow(
      /DROVER_GITHUB_APP_ID is not/,
    );
    expect(() =>
      loadForgeCredentials({ DROVER_GITHUB_APP_ID: 'abc', DROVER_GITHUB_APP_PRIVATE_KEY: privateKey }),
    ).toThrow(/DROVER_GITHUB_APP_ID: must be the numeric App ID/);
  });

  it('a secret needs credentials, a short secret is refused, and bad settings are named', () => {
    expect(() => loadForgeConfig({ DROVER_GITHUB_WEBHOOK_SECRET: SECRET })).toThrow(
      /has no GitHub credentials/,
    );
    expect(() => loadForgeConfig({ DROVER_GITLAB_WEBHOOK_SECRET: SECRET })).toThrow(
      /DROVER_GITLAB_TOKEN is not/,
    );
    expect(() =>
      loadForgeConfig({ DROVER_GITHUB_WEBHOOK_SECRET: 'short', DROVER_GITHUB_TOKEN: 't' }),
    ).toThrow(/DROVER_GITHUB_WEBHOOK_SECRET: must be at least 16 characters/);
    expect(() => loadForgeConfig({ DROVER_MENTION: 'drover' })).toThrow(/DROVER_MENTION: must be an @name/);
    const ok = loadForgeConfig({
      DROVER_GITHUB_WEBHOOK_SECRET: SECRET,
      DROVER_GITHUB_TOKEN: 'ghp_x',
      DROVER_GITHUB_API_URL: 'https://ghe.example/api/v3/',
      DROVER_FORGE_ALLOW_USERS: 'Alice, gitlab:Bob',
      DROVER_MENTION: '@acme-bot',
    });
    expect(ok).toMatchObject({
      githubApiUrl: 'https://ghe.example/api/v3',
      allowUsers: ['alice', 'gitlab:bob'],
      mention: '@acme-bot',
    });
  });

  it('a prompt template file is read and checked', () => {
    const good = join(dir, 'good.md');
    writeFileSync(good, '{{headline}}\n\n{{request}}\n');
    expect(loadForgeConfig({ DROVER_FORGE_PROMPT_TEMPLATE: good }).promptTemplate).toBe(
      '{{headline}}\n\n{{request}}\n',
    );
    const bad = join(dir, 'bad.md');
    writeFileSync(bad, '{{headline}} {{token}}');
    expect(() => loadForgeConfig({ DROVER_FORGE_PROMPT_TEMPLATE: bad })).toThrow(
      /unknown placeholder\(s\) \{\{token\}\}/,
    );
    expect(() => loadForgeConfig({ DROVER_FORGE_PROMPT_TEMPLATE: join(dir, 'missing.md') })).toThrow(
      /cannot read .*ENOENT/,
    );
  });
});
