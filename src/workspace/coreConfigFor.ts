import { chmod, lstat, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The [core] settings `git init` would write for a repository in gitDir, found the way git finds them:
 * whether the file system keeps the executable bit, can hold symbolic links, and tells names apart by
 * case. On most Linux file systems that is filemode = true and nothing else, but a work dir on a mounted
 * volume may differ, and a wrong `filemode` would show every file as changed.
 */
export async function coreConfigFor(gitDir: string): Promise<string[]> {
  const probe = join(gitDir, 'drover-probe');
  const lines = ['\trepositoryformatversion = 0'];
  try {
    await writeFile(probe, '', { mode: 0o644 });
    await chmod(probe, 0o755);
    const filemode = ((await stat(probe)).mode & 0o100) !== 0;
    lines.push(`\tfilemode = ${filemode}`, '\tbare = false', '\tlogallrefupdates = true');
    const link = `${probe}-link`;
    const symlinks = await symlink('drover-probe', link).then(
      () => true,
      () => false,
    );
    await rm(link, { force: true });
    if (!symlinks) lines.push('\tsymlinks = false');
    const ignoreCase = await lstat(join(gitDir, 'DROVER-PROBE')).then(
      () => true,
      () => false,
    );
    if (ignoreCase) lines.push('\tignorecase = true');
  } finally {
    await rm(probe, { force: true });
  }
  return lines;
}
