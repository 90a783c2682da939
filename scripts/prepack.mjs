// `npm pack` / `npm publish`: a clean build, so the tarball holds exactly what the sources make
// (tsc never deletes the output of a removed source file).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const res = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(res.status ?? 1);
