import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SetupError } from '../errors.js';
import { parseYaml } from '../util/parseYaml.js';
import { EnvVarName, fieldErrors, SetupCommand } from './EnvironmentConfig.js';

export const PLAYBOOK_FILES = ['.drover.yml', '.drover.yaml'] as const;
const MAX_BYTES = 64 * 1024;

/**
 * A repository's `.drover.yml`: setup commands run before the agent, verify commands after it (the
 * verify gate), variables for all of them.
 */
export const Playbook = z.strictObject({
  setup: z.array(SetupCommand).max(50).default([]),
  verify: z.array(SetupCommand).max(50).default([]),
  env: z.record(EnvVarName, z.string()).default({}),
});
export type Playbook = z.infer<typeof Playbook> & { file: string };

/**
 * Reads the playbook at the root of the checkout, if any. Refuses a symlink (it could point the
 * runner at a file outside the repository) and anything invalid, naming the field.
 */
export async function readPlaybook(repoDir: string): Promise<Playbook | undefined> {
  for (const name of PLAYBOOK_FILES) {
    const path = join(repoDir, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info) continue;
    if (!info.isFile()) throw new SetupError(`${name}: must be a regular file (not a symlink or directory)`);
    if (info.size > MAX_BYTES) throw new SetupError(`${name}: is larger than 64 KiB`);
    return parsePlaybook(await readFile(path, 'utf8'), name);
  }
  return undefined;
}

export function parsePlaybook(text: string, name = '.drover.yml'): Playbook {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new SetupError(`${name}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = Playbook.safeParse(value ?? {});
  if (!parsed.success) {
    throw new SetupError(`${name}: ${fieldErrors(parsed.error)}`);
  }
  return { ...parsed.data, file: name };
}
