// `npm run bench`: Drover measured against raw baselines in the same run. Prints a table and writes
// bench/results/<name>.json (after every section, so a crash keeps what was measured).
//   node bench/run.mjs [--quick] [--only startup,overhead,prep,logs,dispatch,scaling,gateway,sse] [--runs N] [--name NAME] [--merge]
// Quick mode (BENCH_QUICK=1 or --quick) uses small sizes for development. --merge replaces only the
// sections run in an existing results file. BENCH_DROVER_ROOT=<checkout> measures another build.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    only: { type: 'string' },
    runs: { type: 'string' },
    name: { type: 'string' },
    merge: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const runs = Number(values.runs ?? (quick ? 3 : 5));
const only = values.only?.split(',');
const SECTIONS = ['startup', 'overhead', 'prep', 'logs', 'dispatch', 'scaling', 'gateway', 'sse'];

// Measure a snapshot of the build: other people rebuilding dist/ during a long run must not change
// (or break) what is measured half-way.
const repo = fileURLToPath(new URL('..', import.meta.url));
const source = process.env.BENCH_DROVER_ROOT || repo;
const snapshot = mkdtempSync(join(tmpdir(), 'drover-bench-build-'));
cpSync(join(source, 'dist'), join(snapshot, 'dist'), { recursive: true });
cpSync(join(source, 'package.json'), join(snapshot, 'package.json'));
symlinkSync(join(source, 'node_modules'), join(snapshot, 'node_modules'));
process.env.BENCH_DROVER_ROOT = snapshot;
process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));

const { REPO } = await import('./lib/drover.mjs');
const { run } = await import('./lib/proc.mjs');

const name = values.name ?? (quick ? 'quick' : 'latest');
const file = join(REPO, 'bench/results', `${name}.json`);
const previous = values.merge && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
const rows = [];
const context = {
  date: new Date().toISOString(),
  quick,
  runs,
  build: source,
  node: process.version,
  git: (await run('git', ['--version'])).stdout.trim(),
  commit: (
    await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, allowFailure: true })
  ).stdout.trim(),
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  loadAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
};

const ran = [];
function save() {
  const kept = (previous?.rows ?? []).filter((r) => !ran.includes(r.section));
  const all = [...kept, ...rows].sort((a, b) => SECTIONS.indexOf(a.section) - SECTIONS.indexOf(b.section));
  mkdirSync(join(REPO, 'bench/results'), { recursive: true });
  const ctx = { ...context, loadAtEnd: loadavg().map((x) => Math.round(x * 100) / 100), sections: ran };
  const contexts = { ...(previous?.contexts ?? {}), ...Object.fromEntries(ran.map((s) => [s, ctx])) };
  writeFileSync(file, `${JSON.stringify({ contexts, rows: all }, null, 2)}\n`);
  return all;
}

for (const section of SECTIONS) {
  if (only && !only.includes(section)) continue;
  const mod = await import(`./sections/${section}.mjs`);
  process.stderr.write(`\n== ${section}\n`);
  const t = performance.now();
  const out = await mod[section]({ quick, runs });
  for (const row of out) {
    rows.push(row);
    process.stderr.write(
      `  ${row.metric}: ${row.value} ${row.unit} ${row.detail ? `(${row.detail})` : ''}\n`,
    );
  }
  ran.push(section);
  save();
  process.stderr.write(`  (${Math.round((performance.now() - t) / 1000)} s)\n`);
}

const all = save();
const unit = (r) => (r.unit === 'ratio' ? '×' : r.unit);
const table = [
  '| section | measurement | value | detail | target |',
  '|---|---|---|---|---|',
  ...all.map(
    (r) =>
      `| ${r.section} | ${r.metric} | **${r.value}** ${unit(r)} | ${r.detail ?? ''} | ${r.target ?? ''} |`,
  ),
].join('\n');
process.stdout.write(`\n${table}\n\n`);
process.stderr.write(`wrote bench/results/${name}.json\n`);
