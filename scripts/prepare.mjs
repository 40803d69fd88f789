// The `npm ci` / `npm install` hook: builds the web console, unless its build tools are not installed (--omit=dev, --package-lock-only).
// Plain JavaScript: it runs before (or without) tsx being installed.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
try {
  createRequire(new URL('../apps/console/package.json', import.meta.url)).resolve('vite/package.json');
} catch {
  process.stdout.write('prepare: vite is not installed, so the web console is not built; run `npm run build -w apps/console` once it is\n');
  process.exit(0);
}
const r = spawnSync('npm', ['run', 'build', '-w', 'apps/console'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
