import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { FsArtifactStore } from './FsArtifactStore.js';

const root = mkdtempSync(join(tmpdir(), 'drover-artifacts-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('FsArtifactStore', () => {
  const store = new FsArtifactStore(join(root, 'artifacts'));

  it('puts, lists (sorted, with types) and opens artifacts; unknown ones are undefined', async () => {
    await store.put('job1abc', 'result.json', '{"ok":true}');
    await store.put('job1abc', 'changes.diff', Buffer.from('diff --git'));
    const list = await store.list('job1abc');
    expect(list.map((a) => [a.name, a.size, a.contentType])).toEqual([
      ['changes.diff', 10, 'text/x-diff; charset=utf-8'],
      ['result.json', 11, 'application/json'],
    ]);
    const body = await store.open('job1abc', 'result.json');
    expect(await text(body!.stream)).toBe('{"ok":true}');
    expect(await store.open('job1abc', 'missing.txt')).toBeUndefined();
    expect(await store.list('otherjob')).toEqual([]);
  });

  it('imports a staging directory, skipping names that are not plain files', async () => {
    const staging = join(root, 'staging');
    await mkdir(join(staging, 'sub'), { recursive: true });
    writeFileSync(join(staging, 'log.txt'), 'log');
    writeFileSync(join(staging, '.hidden'), 'x');
    await store.importDir('job2abc', staging);
    expect((await store.list('job2abc')).map((a) => a.name)).toEqual(['log.txt']);
  });

  it('refuses names and ids that could leave the job directory', async () => {
    for (const name of ['../x', 'a/b', '.env', '']) {
      await expect(store.put('job1abc', name, 'x')).rejects.toBeInstanceOf(InvalidInputError);
    }
    await expect(store.list('../etc')).rejects.toThrow('id: is not a job id');
  });
});
