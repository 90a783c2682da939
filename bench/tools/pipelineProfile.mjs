// In-process log pipeline (lineSink → JobOutput → store) fed like a child's pipe, for --cpu-prof:
//   node --cpu-prof bench/tools/pipelineProfile.mjs [lines=1000000] [sqlite|redis://...] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dist } from '../lib/drover.mjs';

const n = Number(process.argv[2] ?? 1_000_000);
const backend = process.argv[3] ?? 'sqlite';
const { Masker } = await dist('secrets/Masker.js');
const { JobOutput } = await dist('runner/JobOutput.js');
const { lineSink } = await dist('runner/lineSink.js');
const { openStore } = await dist('store/openStore.js');
const dir = mkdtempSync(join(tmpdir(), 'drover-pipe-'));
const store = await openStore({
  dataDir: dir,
  ...(backend.startsWith('redis') ? { redisUrl: backend } : {}),
});
const job = await store.enqueue({ repo: 'file:///x', prompt: 'p', agent: 'command', agentCmd: 'true' });
const masker = new Masker(['bench-secret-4f1c9a7e2d']);
const output = await JobOutput.open(store, job.id, masker);
const sink = lineSink(masker, (line) => output.appendMasked({ stream: 'stdout', line }));
const lines = [];
for (let i = 1; i <= 800; i++)
  lines.push(
    `line ${String(i).padStart(8, '0')} the quick brown fox jumps over the lazy dog, benchmark log output`,
  );
const chunk = Buffer.from(`${lines.join('\n')}\n`); // ~64 KiB, like one pipe read
const start = performance.now();
for (let sent = 0; sent < n; sent += 800) {
  const wait = sink.write(chunk);
  if (wait) await wait;
  else await new Promise((r) => setImmediate(r)); // the next pipe read comes in a later tick
}
await sink.end();
await output.close();
const ms = performance.now() - start;
const result = {
  backend,
  lines: n,
  ms: Math.round(ms),
  linesPerSec: Math.round(n / (ms / 1000)),
  rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
  stored: await store.lastSeq(job.id),
};
console.log(process.argv.includes('--json') ? JSON.stringify(result) : result);
await store.close();
rmSync(dir, { recursive: true, force: true });
