import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tailJsonlDir } from './tailJsonlDir.js';

const root = mkdtempSync(join(tmpdir(), 'drover-tail-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tailJsonlDir', () => {
  it('follows *.jsonl files appearing under a directory, line by line, holding back a partial line', async () => {
    const dir = join(root, 'sessions');
    const lines: string[] = [];
    const tail = tailJsonlDir(dir, (l) => lines.push(l), { intervalMs: 20 });
    mkdirSync(join(dir, '2026/11'), { recursive: true });
    const file = join(dir, '2026/11/rollout-1.jsonl');
    writeFileSync(file, '{"a":1}\n{"b":');
    writeFileSync(join(dir, 'ignored.txt'), '{"c":1}\n');
    for (let i = 0; i < 200 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lines).toEqual(['{"a":1}']);
    appendFileSync(file, '2}\n');
    await tail.stop();
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });
});
