#!/usr/bin/env node
// Exercises the container image's layout without a container engine: packs the build (`npm pack`),
// installs it with the Dockerfile's own installer (deploy/docker/install-drover.mjs) into a temp
// root laid out like the image (/opt/drover root-owned and read-only, /var/lib/drover and
// /home/drover owned by uid 1000), then runs the entrypoint as uid 1000 (through setpriv when run as
// root; as the current user otherwise): --version, task-runner --help, a listening task runner and
// the image's HEALTHCHECK against it, a real job, and a write into the install that must fail.
// What it cannot do here: the apt packages, tini and the agent CLIs of the image's other stages.
//
//   npm run build && node scripts/image-smoke.mjs [--keep]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const UID = 1000;
const isRoot = process.getuid?.() === 0;
const asUser = isRoot && existsSync('/usr/bin/setpriv');

const root = mkdtempSync(join(tmpdir(), 'drover-image-'));
chmodSync(root, 0o755);
const prefix = join(root, 'opt', 'drover');
const dataDir = join(root, 'var', 'lib', 'drover');
const home = join(root, 'home', 'drover');
const tmp = join(root, 'tmp');
let failed = false;

function ok(what) {
  process.stdout.write(`ok   ${what}\n`);
}
function fail(what, detail = '') {
  failed = true;
  process.stdout.write(
    `FAIL ${what}${detail ? `\n     ${detail.trim().split('\n').join('\n     ')}` : ''}\n`,
  );
}
function check(cond, what, detail) {
  if (cond) ok(what);
  else fail(what, detail);
  return cond;
}

/** argv run as the image's user (uid 1000), with the image's environment. */
function userArgv(argv) {
  return asUser ? ['setpriv', `--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', ...argv] : argv;
}
const env = {
  PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
  HOME: home,
  TMPDIR: tmp,
  NODE_ENV: 'production',
  DROVER_DATA_DIR: dataDir,
  DROVER_LOG_LEVEL: 'warn',
  GIT_CONFIG_NOSYSTEM: '1',
  LANG: 'C',
};
function run(argv, extraEnv = {}) {
  const [cmd, ...args] = userArgv(argv);
  return spawnSync(cmd, args, {
    cwd: home,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 120_000,
  });
}
function chownTree(path) {
  chownSync(path, UID, UID);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e));
}

try {
  // 1. Pack and install exactly as the Dockerfile's build stage does. The build is the one already
  // in dist/ (run `npm run build` first): prepack's clean rebuild would pull dist/ from under other
  // processes using it (the test suite runs this beside other end-to-end tests).
  if (!existsSync(join(repoRoot, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is not built: run npm run build');
  const packDir = join(root, 'pack');
  mkdirSync(packDir);
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', packDir], {
    cwd: repoRoot,
    stdio: 'ignore',
  });
  const tarball = join(
    packDir,
    readdirSync(packDir).find((f) => f.endsWith('.tgz')),
  );
  const installed = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'deploy/docker/install-drover.mjs'),
      '--prefix',
      prefix,
      '--tarball',
      tarball,
      '--deps-from',
      repoRoot,
    ],
    { encoding: 'utf8' },
  );
  if (!check(installed.status === 0, 'install-drover.mjs installed the packed build', installed.stderr))
    throw 0;

  // 2. The image's layout: the install read-only for uid 1000, its data dir and home its own.
  for (const dir of [dataDir, home, tmp]) mkdirSync(dir, { recursive: true });
  chmodSync(tmp, 0o1777);
  execFileSync('chmod', ['-R', 'go-w', prefix]);
  if (isRoot) {
    chownSync(dataDir, UID, UID);
    chownSync(home, UID, UID);
  }
  process.stdout.write(
    asUser ? `running the entrypoint as uid ${UID}\n` : `not root: running as uid ${process.getuid?.()}\n`,
  );

  // 3. The entrypoint.
  const version = JSON.parse(
    execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }),
  ).version;
  const v = run(['drover', '--version']);
  check(
    v.status === 0 && v.stdout.trim() === version,
    `drover --version prints ${version}`,
    v.stderr + v.stdout,
  );
  const help = run(['drover', 'task-runner', '--help']);
  check(
    help.status === 0 && help.stdout.includes('--listen'),
    'drover task-runner --help (the image CMD)',
    help.stderr,
  );

  // 4. The default command listening, and the HEALTHCHECK against it; SIGTERM while idle exits 0.
  const [cmd, ...args] = userArgv(['drover', 'task-runner', '--listen', '127.0.0.1:0']);
  const child = spawn(cmd, args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('close', (code, signal) => r({ code, signal })));
  let port;
  for (let i = 0; i < 200 && !port; i++) {
    port = /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    if (!port) await new Promise((r) => setTimeout(r, 50));
  }
  if (check(port, 'drover task-runner listens', out)) {
    const hc = run(['node', join(prefix, 'healthcheck.mjs')], { DROVER_TASK_LISTEN: `127.0.0.1:${port}` });
    check(hc.status === 0, 'the image HEALTHCHECK passes against it', hc.stderr);
  }
  child.kill('SIGTERM');
  const end = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 30_000))]);
  check(end?.code === 0, 'an idle task runner exits 0 on SIGTERM', JSON.stringify(end) + out);
  const unhealthy = run(['node', join(prefix, 'healthcheck.mjs')], {
    DROVER_TASK_LISTEN: '127.0.0.1:1',
    DROVER_PORT: '1',
  });
  check(unhealthy.status === 1, 'the HEALTHCHECK fails when nothing answers');

  // 5. A real job in this layout: git, the embedded store in the data dir, the workspace in TMPDIR.
  const bare = join(root, 'srv', 'repo.git');
  const seed = join(root, 'srv', 'seed');
  const git = (cwd, ...a) =>
    execFileSync('git', a, {
      cwd,
      env: {
        ...process.env,
        ...env,
        GIT_AUTHOR_NAME: 'x',
        GIT_AUTHOR_EMAIL: 'x@x',
        GIT_COMMITTER_NAME: 'x',
        GIT_COMMITTER_EMAIL: 'x@x',
      },
      stdio: 'ignore',
    });
  mkdirSync(seed, { recursive: true });
  git(root, 'init', '-q', '--bare', '-b', 'main', bare);
  git(seed, 'init', '-q', '-b', 'main');
  git(seed, 'commit', '-q', '--allow-empty', '-m', 'init');
  git(seed, 'push', '-q', bare, 'HEAD:refs/heads/main');
  if (isRoot) chownTree(join(root, 'srv'));
  const job = run([
    'drover',
    'run',
    '--repo',
    bare,
    '--prompt',
    'Add hello',
    '--agent-cmd',
    'echo hello > hello.txt',
    '--json',
  ]);
  let record;
  try {
    record = JSON.parse(job.stdout);
  } catch {}
  check(record?.status === 'succeeded', 'drover run succeeds as the image user', job.stderr + job.stdout);
  const db = join(dataDir, 'drover.db');
  check(
    existsSync(db) && (!isRoot || statSync(db).uid === UID),
    'the store was created in /var/lib/drover, owned by the image user',
  );

  // 6. The install is not the user's to change.
  const write = run([
    'node',
    '-e',
    `require('fs').writeFileSync(${JSON.stringify(join(prefix, 'lib/node_modules/drover/planted.js'))}, 'x')`,
  ]);
  if (asUser)
    check(
      write.status !== 0 && /EACCES/.test(write.stderr),
      'uid 1000 cannot write into /opt/drover',
      write.stderr,
    );
} catch (err) {
  if (err !== 0) fail('unexpected error', String(err?.stack ?? err));
} finally {
  if (keep) process.stdout.write(`kept ${root}\n`);
  else rmSync(root, { recursive: true, force: true });
}
process.stdout.write(failed ? 'image smoke test FAILED\n' : 'image smoke test passed\n');
process.exit(failed ? 1 : 0);
