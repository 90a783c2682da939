// 1. Job overhead: `drover run --agent command` (a one-line change) ÷ a shell script doing the same
// clone, branch, commit and push, on a tiny repo and a generated 5k-file / 500-commit one.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drover, droverEnv, REPO } from '../lib/drover.mjs';
import { generatedRepo } from '../lib/genRepo.mjs';
import { gitEnv, run } from '../lib/proc.mjs';
import { interleaved, median, round } from '../lib/stats.mjs';

export async function overhead({ quick, runs }) {
  const rows = [];
  const shapes = quick
    ? [
        { name: 'tiny', files: 3, commits: 1 },
        { name: '1k files / 100 commits', files: 1000, commits: 100 },
      ]
    : [
        { name: 'tiny', files: 3, commits: 1 },
        { name: '5k files / 500 commits', files: 5000, commits: 500 },
      ];
  for (const shape of shapes) {
    const source = await generatedRepo(shape);
    const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-overhead-'));
    try {
      const remote = join(tmp, 'remote.git');
      cpSync(source, remote, { recursive: true });
      const url = `file://${remote}`;
      const work = join(tmp, 'work');
      const warmData = join(tmp, 'data-warm');
      let n = 0;
      const job = (dataDir) => {
        const branch = `bench/${++n}`;
        return drover(
          [
            'run',
            '--repo',
            url,
            '--base',
            'main',
            '--branch',
            branch,
            '--prompt',
            'Bench: one-line change',
          ].concat(['--agent', 'command', '--agent-cmd', 'echo change >> README.md', '--data-dir', dataDir]),
          { env: droverEnv({ DROVER_WORK_DIR: work }) },
        );
      };
      const times = await interleaved(
        {
          shell: () =>
            run('sh', [join(REPO, 'bench/lib/baseline.sh'), url, join(tmp, `sh-${++n}`), `bench/${n}`], {
              env: gitEnv(),
            }),
          // A new data dir per run: empty cache, new database — the first job a fresh runner does.
          cold: () => job(join(tmp, `data-cold-${n}`)),
          warm: () => job(warmData),
        },
        {
          runs,
          warmup: 1,
        },
      );
      const shell = median(times.shell);
      for (const kind of ['cold', 'warm']) {
        rows.push({
          section: 'overhead',
          metric: `drover run ÷ shell script, ${shape.name}, ${kind} cache`,
          value: round(median(times[kind]) / shell),
          unit: 'ratio',
          detail: `${round(median(times[kind]), 0)} ms vs ${round(shell, 0)} ms (median of ${runs})`,
          target: kind === 'cold' ? '≤ 1.10' : undefined,
          samples: {
            shell: times.shell.map((x) => round(x, 1)),
            drover: times[kind].map((x) => round(x, 1)),
          },
        });
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return rows;
}
