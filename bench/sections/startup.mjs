// 0. CLI start-up: `drover --version` and `drover status <id>` (embedded store) against bare
// `node -e 0`, interleaved: wall and CPU (user + sys from /usr/bin/time), medians and ratios, and
// how many JavaScript files each one loads (strace, when installed).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DROVER, drover, droverEnv } from '../lib/drover.mjs';
import { generatedRepo } from '../lib/genRepo.mjs';
import { run } from '../lib/proc.mjs';
import { interleaved, median, round } from '../lib/stats.mjs';

const TIME = '/usr/bin/time';

export async function startup({ quick }) {
  const runs = quick ? 15 : 40;
  const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-startup-'));
  const rows = [];
  try {
    const dataDir = join(tmp, 'data');
    const env = droverEnv({ DROVER_DATA_DIR: dataDir });
    const repo = await generatedRepo({ files: 3, commits: 1 });
    const submitted = await drover(
      ['submit', '--repo', `file://${repo}`, '--prompt', 'Bench: start-up', '--agent', 'command'].concat([
        '--agent-cmd',
        'true',
        '--json',
      ]),
      { env },
    );
    const id = JSON.parse(submitted.stdout).id;
    const commands = {
      node: [process.execPath, ['-e', '0']],
      version: [process.execPath, [DROVER, '--version']],
      status: [process.execPath, [DROVER, 'status', id]],
    };
    const cpu = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    const timeFile = join(tmp, 'time.txt');
    const useTime = existsSync(TIME);
    const thunks = Object.fromEntries(
      Object.entries(commands).map(([name, [cmd, args]]) => [
        name,
        async () => {
          const res = useTime
            ? await run(TIME, ['-f', '%U %S', '-o', timeFile, cmd, ...args], { env })
            : await run(cmd, args, { env });
          if (useTime) {
            const [user, sys] = readFileSync(timeFile, 'utf8')
              .trim()
              .split('\n')
              .at(-1)
              .split(' ')
              .map(Number);
            cpu[name].push((user + sys) * 1000);
          }
          return res;
        },
      ]),
    );
    const times = await interleaved(thunks, { runs, warmup: 2 });
    // interleaved() also counted the warm-up rounds' CPU: keep the timed ones.
    for (const name of Object.keys(cpu)) cpu[name] = cpu[name].slice(-runs);
    const files = await filesLoaded(commands, env);
    const base = median(times.node);
    const baseCpu = useTime ? median(cpu.node) : Number.NaN;
    rows.push({
      section: 'startup',
      metric: 'baseline: node -e 0',
      value: round(base, 0),
      unit: 'ms',
      detail: useTime ? `${round(baseCpu, 0)} ms CPU (median of ${runs})` : `median of ${runs}`,
    });
    for (const [name, label] of [
      ['version', 'drover --version'],
      ['status', 'drover status <id> (embedded)'],
    ]) {
      const wall = median(times[name]);
      rows.push({
        section: 'startup',
        metric: `${label} ÷ node -e 0`,
        value: round(wall / base),
        unit: 'ratio',
        detail:
          `${round(wall, 0)} ms vs ${round(base, 0)} ms` +
          (useTime ? `; CPU ${round(median(cpu[name]), 0)} vs ${round(baseCpu, 0)} ms` : '') +
          (files[name] !== undefined ? `; ${files[name]} JS files loaded` : ''),
        target: '≤ 2',
        samples: { ms: times[name].map((x) => round(x, 1)), cpuMs: cpu[name].map((x) => round(x, 1)) },
      });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** JavaScript files each command opens (strace), or {} without strace. */
async function filesLoaded(commands, env) {
  const out = {};
  for (const [name, [cmd, args]] of Object.entries(commands)) {
    if (name === 'node') continue;
    const res = await run('strace', ['-f', '-qq', '-e', 'trace=openat', '-e', 'signal=none', cmd, ...args], {
      env,
      allowFailure: true,
    }).catch(() => undefined);
    if (res?.code !== 0) return {};
    const opened = res.stderr
      .split('\n')
      .filter((l) => !l.includes('ENOENT') && /\.(m?js|cjs)"/.test(l))
      .map((l) => /"([^"]+)"/.exec(l)?.[1]);
    out[name] = new Set(opened).size;
  }
  return out;
}
