import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { watchWorkspace } from './watchWorkspace.js';

const root = mkdtempSync(join(tmpdir(), 'drover-watch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`never saw ${what}`);
}

describe('watchWorkspace', () => {
  it('sees changes in nested and newly created directories, skips .git and node_modules, and is bounded', async () => {
    mkdirSync(join(root, 'src/deep'), { recursive: true });
    mkdirSync(join(root, '.git/objects'), { recursive: true });
    mkdirSync(join(root, 'node_modules/pkg'), { recursive: true });
    let events = 0;
    const w = await watchWorkspace(root, () => events++);
    expect(w.watched).toBe(3); // root, src, src/deep

    writeFileSync(join(root, 'src/deep/a.ts'), 'x');
    await until(() => events > 0, 'a change in src/deep');

    mkdirSync(join(root, 'new'));
    await until(() => w.watched === 4, 'the new directory watched');
    const before = events;
    writeFileSync(join(root, 'new/b.ts'), 'y');
    await until(() => events > before, 'a change in the new directory');
    w.close();

    const small = await watchWorkspace(root, () => {}, { maxDirs: 2 });
    expect(small.watched).toBe(2);
    small.close();
  });

  it('never walks or watches through a link the agent made to a directory outside', async () => {
    const ws = mkdtempSync(join(root, 'ws-'));
    const outside = mkdtempSync(join(root, 'outside-'));
    for (const d of ['a', 'b', 'c']) mkdirSync(join(outside, d));
    let events = 0;
    const w = await watchWorkspace(ws, () => events++);
    expect(w.watched).toBe(1);
    symlinkSync(outside, join(ws, 'link'));
    mkdirSync(join(ws, 'real'));
    await until(() => w.watched >= 2, 'the new directory watched');
    const before = events;
    writeFileSync(join(ws, 'real', 'x'), 'x');
    await until(() => events > before, 'a change in the new directory');
    expect(w.watched).toBe(2); // ws and real: not the link's target or its subdirectories
    w.close();
  });
});
