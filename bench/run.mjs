// `npm run bench`: Drover measured against raw baselines in the same run. Prints a table and writes
// bench/results/<name>.json. Quick mode (BENCH_QUICK=1 or --quick) uses small sizes for development.
//   node bench/run.mjs [--quick] [--only overhead,prep,logs,dispatch,scaling] [--runs N] [--name NAME]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO, ROOT } from './lib/drover.mjs';
import { run } from './lib/proc.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    only: { type: 'string' },
    runs: { type: 'string' },
    name: { type: 'string' },
  },
});
const quick = values.quick;
const runs = Number(values.runs ?? (quick ? 3 : 5));
const only = values.only?.split(',');
const SECTIONS = ['overhead', 'prep', 'logs', 'dispatch', 'scaling'];

const rows = [];
const started = new Date();
const context = {
  date: started.toISOString(),
  quick,
  runs,
  node: process.version,
  git: (await run('git', ['--version'])).stdout.trim(),
  build: ROOT,
  commit: (
    await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, allowFailure: true })
  ).stdout.trim(),
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  loadAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
};
for (const name of SECTIONS) {
  if (only && !only.includes(name)) continue;
  const mod = await import(`./sections/${name}.mjs`);
  process.stderr.write(`\n== ${name}\n`);
  const t = performance.now();
  const out = await mod[name]({ quick, runs });
  for (const row of out) {
    rows.push(row);
    process.stderr.write(
      `  ${row.metric}: ${row.value} ${row.unit} ${row.detail ? `(${row.detail})` : ''}\n`,
    );
  }
  process.stderr.write(`  (${Math.round((performance.now() - t) / 1000)} s)\n`);
}

const table = [
  '| section | measurement | value | detail | target |',
  '|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.section} | ${r.metric} | **${r.value}** ${r.unit === 'ratio' ? '×' : r.unit} | ${r.detail ?? ''} | ${r.target ?? ''} |`,
  ),
].join('\n');
process.stdout.write(`\n${table}\n\n`);
const name = values.name ?? (quick ? 'quick' : 'latest');
const dir = join(REPO, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `${name}.json`),
  `${JSON.stringify({ context: { ...context, loadAtEnd: loadavg() }, rows }, null, 2)}\n`,
);
process.stderr.write(`wrote bench/results/${name}.json\n`);
