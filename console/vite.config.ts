import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = 'http://127.0.0.1:8080';
const outDir = fileURLToPath(new URL('../dist/console', import.meta.url));

/**
 * Writes .gz and .br beside every script, style and page, so the server
 * (@fastify/static's preCompressed) sends them compressed without compressing on each request.
 */
function precompress(): Plugin {
  return {
    name: 'openhss-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json)$/.test(file) || file.includes('/.vite/')) continue;
        const bytes = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

// The console is built into dist/console and served by `openhss serve` itself.
// `npx vite --config console/vite.config.ts` is for development only: it proxies the API.
export default defineConfig({
  root,
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    // Lists each chunk's static and dynamic imports: the bundle-size test reads it.
    manifest: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(['/v5', '/v3', '/v3.0', '/v1.0', '/health', '/openapi.json'].map((p) => [p, { target: api, changeOrigin: false }])),
  },
});
