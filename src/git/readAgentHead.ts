import { join } from 'node:path';
import { UnsafeWorkspaceError } from '../errors.js';
import { refNameProblem } from './refs.js';
import { kindOf, lstatOrUndefined, readSmallRegular } from './safeFs.js';

const MAX_REF_BYTES = 4096;
const MAX_PACKED_REFS_BYTES = 64 * 1024 * 1024;
const MAX_SYMREF_DEPTH = 5;

/**
 * The commit the workspace's HEAD names, read as text without git and without following any link:
 * `.git/HEAD`, then the loose ref or `.git/packed-refs` it points to. undefined when there is nothing
 * to take (no `.git`, no HEAD, an unborn branch). A `.git` that is not a directory, or a link or
 * special file on the way, is refused.
 */
export async function readAgentHead(workTree: string, hexLength: number): Promise<string | undefined> {
  const dotGit = await lstatOrUndefined(join(workTree, '.git'));
  if (!dotGit) return undefined;
  if (!dotGit.isDirectory()) {
    throw new UnsafeWorkspaceError(
      `The workspace's .git is ${kindOf(dotGit)}, not a directory; Drover does not follow it, so the agent's commits cannot be taken.`,
    );
  }
  const sha = new RegExp(`^[0-9a-f]{${hexLength}}$`);
  let name = 'HEAD';
  for (let depth = 0; depth <= MAX_SYMREF_DEPTH; depth++) {
    const text = await readRef(workTree, name);
    if (text === undefined) return undefined;
    const value = text.trim();
    const symref = /^ref:\s*(\S+)$/.exec(value);
    if (symref) {
      name = symref[1]!;
      const problem = name.startsWith('refs/') ? refNameProblem(name) : 'must start with refs/';
      if (problem) throw new UnsafeWorkspaceError(`.git/HEAD names the ref "${name}", which ${problem}.`);
      continue;
    }
    if (!sha.test(value)) {
      throw new UnsafeWorkspaceError(`.git/${name} does not hold a commit id.`);
    }
    return value;
  }
  throw new UnsafeWorkspaceError(`.git/HEAD is a chain of more than ${MAX_SYMREF_DEPTH} symbolic refs.`);
}

/** A ref's text: its loose file, else its line in packed-refs (HEAD is never packed). */
async function readRef(workTree: string, name: string): Promise<string | undefined> {
  const loose = await readSmallRegular(workTree, `.git/${name}`, MAX_REF_BYTES);
  if (loose !== undefined || name === 'HEAD') return loose;
  const packed = await readSmallRegular(workTree, '.git/packed-refs', MAX_PACKED_REFS_BYTES);
  if (!packed) return undefined;
  for (const line of packed.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1).trimEnd() === name) return line.slice(0, space);
  }
  return undefined;
}
