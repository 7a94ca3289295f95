import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = 'http://127.0.0.1:8080';

// The console is built into dist/console and served by `openhss serve` itself.
// `npx vite --config console/vite.config.ts` is for development only: it proxies the API.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(['/v5', '/v3', '/v3.0', '/v1.0', '/health', '/openapi.json'].map((p) => [p, { target: api, changeOrigin: false }])),
  },
});
