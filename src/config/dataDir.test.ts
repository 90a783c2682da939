import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from './dataDir.js';
import { loadRunnerConfig } from './RunnerConfig.js';

const root = mkdtempSync(join(tmpdir(), 'drover-datadir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the default data dir', () => {
  it('is ./.drover where one exists, else $XDG_DATA_HOME/drover, else ~/.local/share/drover', () => {
    const checkout = join(root, 'checkout');
    mkdirSync(join(checkout, '.drover'), { recursive: true });
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    const home = join(root, 'home');
    expect(defaultDataDir({ HOME: home }, checkout)).toBe(join(checkout, '.drover'));
    expect(defaultDataDir({ HOME: home }, elsewhere)).toBe(join(home, '.local', 'share', 'drover'));
    expect(defaultDataDir({ HOME: home, XDG_DATA_HOME: join(root, 'xdg') }, elsewhere)).toBe(
      join(root, 'xdg', 'drover'),
    );
    // XDG says a relative value is to be ignored; a .drover that is a file is not a data dir.
    expect(defaultDataDir({ HOME: home, XDG_DATA_HOME: 'rel' }, elsewhere)).toBe(
      join(home, '.local', 'share', 'drover'),
    );
    writeFileSync(join(elsewhere, '.drover'), 'x');
    expect(defaultDataDir({ HOME: home }, elsewhere)).toBe(join(home, '.local', 'share', 'drover'));
  });

  it('gives way to DROVER_DATA_DIR and --data-dir; the repo cache lives inside it', () => {
    const env = { HOME: join(root, 'h'), DROVER_DATA_DIR: join(root, 'env') };
    expect(loadRunnerConfig(env).dataDir).toBe(join(root, 'env'));
    expect(loadRunnerConfig(env, { dataDir: join(root, 'flag') })).toMatchObject({
      dataDir: join(root, 'flag'),
      cache: { dir: join(root, 'flag', 'cache') },
    });
    expect(() => loadRunnerConfig({ DROVER_DATA_DIR: '' })).toThrow(/DROVER_DATA_DIR/);
  });
});
