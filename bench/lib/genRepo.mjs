// Deterministic synthetic repositories for the benchmark, built with `git fast-import` (seconds, not
// minutes) and cached under $TMPDIR/drover-bench-cache keyed by their shape.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitEnv } from './proc.mjs';

const WORDS =
  'const let return function import export async await if else for while class new this value data item list map set get key type string number'.split(
    ' ',
  );

/** xorshift32: same bytes on every machine, so a cached repo and a fresh one are identical. */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function fileBody(rand, i) {
  const lines = [`// file ${i}`];
  const n = 20 + Math.floor(rand() * 60);
  for (let l = 0; l < n; l++) {
    const words = [];
    const w = 3 + Math.floor(rand() * 8);
    for (let k = 0; k < w; k++) words.push(WORDS[Math.floor(rand() * WORDS.length)]);
    words.push(String(Math.floor(rand() * 100000)));
    lines.push(`${'  '.repeat(Math.floor(rand() * 3))}${words.join(' ')};`);
  }
  return `${lines.join('\n')}\n`;
}

const filePath = (i) =>
  `src/m${String(Math.floor(i / 400)).padStart(3, '0')}/d${String(Math.floor(i / 40) % 10)}/f${i}.ts`;

/** Streams a fast-import script: one commit adding `files` files, then `commits - 1` small edits. */
async function writeImport(stdin, files, commits) {
  const rand = prng(files * 7919 + commits);
  const write = (s) => (stdin.write(s) ? undefined : new Promise((r) => stdin.once('drain', r)));
  const data = (s) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const when = (c) => `${1704067200 + c * 60} +0000`;
  let chunk = `commit refs/heads/main\ncommitter Bench <bench@drover.test> ${when(0)}\n${data('Initial import')}`;
  chunk += `M 100644 inline README.md\n${data('# Generated benchmark repository\n')}`;
  for (let i = 0; i < files; i++) {
    chunk += `M 100644 inline ${filePath(i)}\n${data(fileBody(rand, i))}`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  for (let c = 1; c < commits; c++) {
    chunk += `commit refs/heads/main\ncommitter Bench <bench@drover.test> ${when(c)}\n${data(`Change ${c}`)}`;
    for (let k = 0; k < 3; k++) {
      const i = Math.floor(rand() * files);
      chunk += `M 100644 inline ${filePath(i)}\n${data(fileBody(rand, i + c * files))}`;
    }
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  stdin.end();
}

/** A bare repo with `files` files and `commits` commits on main; built once and reused. */
export async function generatedRepo({ files, commits, root = join(tmpdir(), 'drover-bench-cache') }) {
  const bare = join(root, `gen-${files}f-${commits}c.git`);
  if (existsSync(join(bare, 'drover-bench-ok'))) return bare;
  await mkdir(root, { recursive: true });
  const tmp = `${bare}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await git(['init', '--quiet', '--bare', '-b', 'main', tmp]);
  await new Promise((resolve, reject) => {
    const child = spawn('git', ['fast-import', '--quiet'], {
      cwd: tmp,
      env: gitEnv(),
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.stdin.on('error', () => {}); // fast-import's own exit code reports the problem
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}`)),
    );
    writeImport(child.stdin, files, commits).catch(reject);
  });
  // Pack it like a forge would serve it.
  await git(['repack', '-a', '-d', '-q'], { cwd: tmp });
  await git(['config', 'uploadpack.allowAnySHA1InWant', 'true'], { cwd: tmp });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(tmp, 'drover-bench-ok'), '');
  await rm(bare, { recursive: true, force: true });
  await rename(tmp, bare);
  return bare;
}
