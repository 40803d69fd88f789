// Vite build of the console: React, output in dist/ (served by apps/server), dev server proxying the API to a running `npm start`.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const backend = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // the server's CSP forbids inline scripts; keep every asset a file
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/api': backend,
      '/readyz': backend,
      '/healthz': backend,
      '/metrics': backend,
      '/realtime': { target: backend, ws: true },
    },
  },
});
