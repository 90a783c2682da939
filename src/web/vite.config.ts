import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The dashboard is built into dist/web with the rest of the package (`npm run build`), so
// `drover serve` ships it prebuilt and needs no dev server.
export default defineConfig({
  root: fileURLToPath(new URL('./app', import.meta.url)),
  base: '/',
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // Keep assets as files: the server's CSP allows only same-origin scripts and styles.
    assetsInlineLimit: 0,
  },
});
