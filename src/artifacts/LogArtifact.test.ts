import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatEntry } from '../cli/formatEntry.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { JobOutput } from '../runner/JobOutput.js';
import { Masker } from '../secrets/Masker.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { LOG_ARTIFACT, LogArtifact } from './LogArtifact.js';

const spec = parseJobSpec({ repo: '/srv/repo.git', prompt: 'p', agent: 'command', agentCmd: 'true' });

/** The log artifact as it was made before it was streamed: every stored entry read back and formatted. */
async function logFromStore(store: SqliteStore, id: string): Promise<string> {
  const entries: OutputEntry[] = [];
  for (let after = 0; ; ) {
    const page = await store.readOutput(id, after, 5000);
    entries.push(...page);
    if (page.length < 5000) break;
    after = page.at(-1)!.seq;
  }
  return entries
    .filter((e) => e.type !== 'end')
    .map((e) => `${e.ts} ${formatEntry(e, false)}\n`)
    .join('');
}

describe('LogArtifact', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-log-artifact-'));
    store = new SqliteStore(join(dir, 'drover.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One attempt of a job: output with the log listening, the way executeLease wires them. */
  async function attempt(id: string, masker: Masker, write: (output: JobOutput) => Promise<void>) {
    const output = await JobOutput.open(store, id, masker, { batchSize: 300 });
    const log = await LogArtifact.open({
      dir: join(dir, 'artifacts'),
      store,
      jobId: id,
      lastSeq: output.lastSeq,
      masker,
    });
    output.onEntry(log.onEntry);
    await write(output);
    await output.close();
    return log;
  }

  it('equals the log read back from the store, across a retry whose numbering continues', async () => {
    const job = await store.enqueue(spec);
    const masker = new Masker(['s3cret-token']);
    const first = await attempt(job.id, masker, async (output) => {
      output.phase('agent', 'Running agent');
      for (let i = 0; i < 5000; i++) {
        const wait = output.append({ stream: i % 7 ? 'stdout' : 'stderr', line: `line ${i} s3cret-token` });
        if (wait) await wait;
      }
      output.system('Runner stopping', 'status', { status: 'queued' });
    });
    await first.discard();
    expect(existsSync(join(dir, 'artifacts', LOG_ARTIFACT))).toBe(false);

    const second = await attempt(job.id, new Masker(['s3cret-token']), async (output) => {
      output.system('Job again (attempt 2)', 'status');
      output.append({ stream: 'agent', type: 'agent.tool_call', line: 'Bash: ls\nwith a second line' });
      output.append({ stream: 'stdout', line: 'ünïcødé ✓ s3cret-token' });
      output.system('end of output', 'end');
    });
    expect(await second.finish()).toBe(true);

    const text = readFileSync(join(dir, 'artifacts', LOG_ARTIFACT), 'utf8');
    expect(text).toBe(await logFromStore(store, job.id));
    expect(text).toContain('line 4999 ***');
    expect(text).toContain('Job again (attempt 2)');
    expect(text).not.toContain('s3cret-token');
    expect(text.split('\n').filter((l) => / line \d+ /.test(l))).toHaveLength(5000);
    // Only the finished log is left: no partial files.
    expect(readdirSync(join(dir, 'artifacts'))).toEqual([LOG_ARTIFACT]);
  });

  it('masks what was written before a secret was known, and leaves the rest as written', async () => {
    const job = await store.enqueue(spec);
    const masker = new Masker();
    const log = await attempt(job.id, masker, async (output) => {
      for (let i = 0; i < 3000; i++) output.append({ stream: 'stdout', line: `early ${i} late-token-9f2` });
      masker.add('late-token-9f2'); // e.g. a token resolved after the job's first lines
      for (let i = 0; i < 3000; i++) output.append({ stream: 'stdout', line: `later ${i} late-token-9f2` });
    });
    expect(await log.finish()).toBe(true);
    const text = readFileSync(join(dir, 'artifacts', LOG_ARTIFACT), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(6000);
    expect(text).not.toContain('late-token-9f2');
    expect(lines[0]).toMatch(/ early 0 \*\*\*$/);
    expect(lines[2999]).toMatch(/ early 2999 \*\*\*$/);
    expect(lines[3000]).toMatch(/ later 0 \*\*\*$/);
    expect(lines[5999]).toMatch(/ later 2999 \*\*\*$/);
    // The store kept what was masked at the time; the artifact is the store's text masked once more.
    expect(text).toBe(masker.mask(await logFromStore(store, job.id)));
  });

  it('a secret learnt after the last line masks the whole file', async () => {
    const job = await store.enqueue(spec);
    const masker = new Masker();
    const log = await attempt(job.id, masker, async (output) => {
      output.append({ stream: 'stdout', line: 'pr token ghp_abcdef123456' });
      output.append({ stream: 'stdout', line: 'done' });
    });
    masker.add('ghp_abcdef123456'); // e.g. the forge token at the PR step
    expect(await log.finish()).toBe(true);
    const text = readFileSync(join(dir, 'artifacts', LOG_ARTIFACT), 'utf8');
    expect(text).toMatch(/ pr token \*\*\*\n.* done\n$/);
  });
});
