// Prints a job's output entries with the ms between them (where a job's time goes).
//   node bench/tools/jobTimeline.mjs <jobId> [--data-dir D | --redis URL]
import { dist } from '../lib/drover.mjs';

const [id, flag, value] = process.argv.slice(2);
const { openStore } = await dist('store/openStore.js');
const store = await openStore(
  flag === '--redis' ? { dataDir: '.drover', redisUrl: value } : { dataDir: value ?? '.drover' },
);
const job = await store.get(id);
const entries = await store.readOutput(id, 0, 10_000);
let prev = Date.parse(job.createdAt);
console.log(`created ${job.createdAt}  started +${Date.parse(job.startedAt) - prev} ms`);
for (const e of entries) {
  const t = Date.parse(e.ts);
  console.log(`${String(t - prev).padStart(6)} ms  ${e.stream.padEnd(6)} ${e.line.slice(0, 100)}`);
  prev = t;
}
console.log(
  `finished +${Date.parse(job.finishedAt) - prev} ms after the last entry; total ${job.durationMs} ms`,
);
await store.close();
