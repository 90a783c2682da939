import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Git } from './Git.js';
import { type ObjectFormat, RunnerRepo } from './RunnerRepo.js';

export interface CreateRunnerRepoOptions {
  gitDir: string;
  workTree: string;
  startSha: string;
  startTree: string;
}

/**
 * The runner-owned repository's whole config. Nothing here runs a program, and nothing else is read
 * (Drover's git runs it without system or global config); the index is never split, sparse or cached
 * beyond what git verifies against the work tree.
 */
function runnerConfig(format: ObjectFormat): string {
  return [
    '[core]',
    `\trepositoryformatversion = ${format === 'sha256' ? 1 : 0}`,
    '\tfilemode = true',
    '\tbare = true',
    '\tsymlinks = true',
    '\tignorecase = false',
    '\tlogAllRefUpdates = false',
    '\tuntrackedCache = false',
    '\tsplitIndex = false',
    '\tfsmonitor = false',
    '\thooksPath = /dev/null',
    '[index]',
    '\tsparse = false',
    '[gc]',
    '\tauto = 0',
    '[maintenance]',
    '\tauto = false',
    ...(format === 'sha256' ? ['[extensions]', '\tobjectFormat = sha256'] : []),
    '',
  ].join('\n');
}

/**
 * Makes the job's runner-owned repository from the workspace's fresh clone. Runs right after the
 * checkout, before any setup step, agent or verify command: the clone's `.git` is still what Drover's
 * own git wrote, so its packs, loose objects and index are copied as they are (reflinked where the
 * filesystem can; never hard-linked, which would let the agent write through to them later).
 */
export async function createRunnerRepo(git: Git, opts: CreateRunnerRepoOptions): Promise<RunnerRepo> {
  const source = join(opts.workTree, '.git');
  const { gitDir } = opts;
  const format: ObjectFormat = opts.startSha.length === 64 ? 'sha256' : 'sha1';
  await mkdir(join(gitDir, 'objects', 'pack'), { recursive: true, mode: 0o700 });
  await Promise.all([
    mkdir(join(gitDir, 'objects', 'info'), { recursive: true }),
    mkdir(join(gitDir, 'refs', 'heads'), { recursive: true }),
    mkdir(join(gitDir, 'info'), { recursive: true }),
    writeFile(join(gitDir, 'config'), runnerConfig(format)),
    writeFile(join(gitDir, 'HEAD'), `${opts.startSha}\n`),
  ]);
  const copies: [string, string][] = [];
  const packDir = join(source, 'objects', 'pack');
  for (const entry of await readdir(packDir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isFile() && /^pack-[0-9a-f]+\.(?:pack|idx|rev)$/.test(entry.name)) {
      copies.push([join(packDir, entry.name), join(gitDir, 'objects', 'pack', entry.name)]);
    }
  }
  for (const fan of await readdir(join(source, 'objects'), { withFileTypes: true }).catch(() => [])) {
    if (!fan.isDirectory() || !/^[0-9a-f]{2}$/.test(fan.name)) continue;
    const from = join(source, 'objects', fan.name);
    const names = (await readdir(from, { withFileTypes: true })).filter((e) => e.isFile());
    if (names.length > 0) await mkdir(join(gitDir, 'objects', fan.name), { recursive: true });
    for (const e of names) copies.push([join(from, e.name), join(gitDir, 'objects', fan.name, e.name)]);
  }
  // A local clone of a repository that borrows objects keeps borrowing them; a shallow one stays shallow.
  for (const rel of ['objects/info/alternates', 'shallow', 'index', 'info/exclude']) {
    copies.push([join(source, rel), join(gitDir, rel)]);
  }
  for (let i = 0; i < copies.length; i += 16) {
    await Promise.all(
      copies.slice(i, i + 16).map(([from, to]) =>
        copyFile(from, to, constants.COPYFILE_FICLONE).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        }),
      ),
    );
  }
  return new RunnerRepo({ git, ...opts, format });
}
