// 2. Warm prep: a workspace ready from the repo cache ÷ a fresh clone, on a generated 20k-file repo.
// Both sides are Drover's own code (RepoCache.prepare vs cloneRepo), plus plain `git clone` for reference.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dist } from '../lib/drover.mjs';
import { generatedRepo } from '../lib/genRepo.mjs';
import { git, gitEnv } from '../lib/proc.mjs';
import { interleaved, median, round } from '../lib/stats.mjs';

export async function prep({ quick, runs }) {
  const shape = quick ? { files: 5000, commits: 100 } : { files: 20000, commits: 500 };
  const source = await generatedRepo(shape);
  const url = `file://${source}`;
  const { Git } = await dist('git/Git.js');
  const { Masker } = await dist('secrets/Masker.js');
  const { cloneRepo } = await dist('git/repoOps.js');
  const { RepoCache } = await dist('workspace/RepoCache.js');
  const gitRunner = new Git(new Masker([]), gitEnv());
  const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-prep-'));
  let n = 0;
  const dir = () => join(tmp, `ws-${++n}`);
  const cache = (sub) => new RepoCache({ dir: join(tmp, sub), maxBytes: 1e12, git: gitRunner });
  // DROVER_CACHE_SPARE=on: the next workspace is made in the background (while the agent would run).
  const spareCache = new RepoCache({
    dir: join(tmp, 'spare'),
    maxBytes: 1e12,
    git: gitRunner,
    spareDir: join(tmp, 'spares'),
  });
  const spareUsed = [];
  const background = [];
  try {
    const times = await interleaved(
      {
        'git clone': () =>
          git(['clone', '-q', '--no-tags', '--single-branch', '--branch', 'main', url, dir()]),
        fresh: () => cloneRepo(gitRunner, url, dir(), 'main', {}),
        warm: () => cache('warm').prepare(url, dir(), 'main', {}),
        cold: () => cache(`cold-${n}`).prepare(url, dir(), 'main', {}),
        spare: async () => {
          spareUsed.push((await spareCache.prepare(url, dir(), 'main', {})).cache === 'spare');
          return {
            untimed: async () => {
              const t = performance.now();
              await spareCache.settled();
              background.push(performance.now() - t);
            },
          };
        },
      },
      {
        runs,
        warmup: 1,
      },
    );
    const fresh = median(times.fresh);
    const label = `${shape.files / 1000}k files / ${shape.commits} commits`;
    const row = (metric, key, target) => ({
      section: 'prep',
      metric: `${metric}, ${label}`,
      value: round(median(times[key]) / fresh),
      unit: 'ratio',
      detail: `${round(median(times[key]), 0)} ms vs ${round(fresh, 0)} ms (median of ${runs})`,
      target,
      samples: { fresh: times.fresh.map((x) => round(x, 1)), [key]: times[key].map((x) => round(x, 1)) },
    });
    const spareRow = row(
      'warm prep with a ready spare (DROVER_CACHE_SPARE=on) ÷ fresh clone',
      'spare',
      '≤ 0.3',
    );
    spareRow.detail += `; spare used ${spareUsed.slice(1).filter(Boolean).length}/${runs}, made in the background in ${round(median(background.slice(1)), 0)} ms`;
    return [
      row('warm prep from cache ÷ fresh clone', 'warm', '≤ 0.3'),
      spareRow,
      row('cold prep (mirror created) ÷ fresh clone', 'cold'),
      row('plain git clone ÷ Drover fresh clone', 'git clone'),
    ];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
