// `npm start` right after `npm ci`: build first when the CLI or the dashboard is missing from dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const built = ['../dist/cli/main.js', '../dist/web/index.html'].every((f) =>
  existsSync(new URL(f, import.meta.url)),
);
if (!built) {
  console.error('drover: dist/ is missing or incomplete; running npm run build first');
  const res = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  process.exit(res.status ?? 1);
}
