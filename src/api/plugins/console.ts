import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * Where `vite build` writes the console: `<repo>/dist/console`. This file is
 * three directories below the repository root both as source
 * (src/api/plugins/console.ts, run through tsx) and as build output
 * (dist/api/plugins/console.js).
 */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

/**
 * The console's page paths (React Router's routes). A GET for one of them, or
 * for a path below one, answers index.html and the router in the page takes
 * over; every other unknown path keeps the API's HSS 404.
 */
export const CONSOLE_PAGE_PREFIXES = ['/sign-in', '/overview', '/vulnerabilities', '/hosts', '/scan-tasks', '/policy', '/images', '/exports', '/jobs', '/admin'] as const;

/**
 * The console's Content-Security-Policy. Scripts come only from this origin
 * (Vite emits no inline script); styles allow 'unsafe-inline' because Ant
 * Design writes its CSS-in-JS into <style> elements at run time.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>openhss: console not built</title></head>
<body><h1>The openhss console has not been built</h1>
<p>The API is running, but <code>dist/console</code> is missing. Run <code>npm run build</code> (or <code>npm start</code>, which builds what is stale) and reload this page.</p>
<p>The API description is at <a href="/docs">/docs</a>.</p></body></html>
`;

export interface ConsoleOptions {
  /** The built console (index.html and assets/); default DEFAULT_CONSOLE_DIR. */
  dir?: string;
}

/**
 * Serves the web console: /assets/* (content-hashed file names, so cached for
 * a year as immutable), and index.html, never cached, for / and the console's
 * page paths. The files are public, like /docs: they hold no tenant data;
 * every piece of data the console shows comes from the authenticated API.
 * These routes are hidden from /openapi.json.
 */
export async function registerConsole(app: FastifyInstance, options: ConsoleOptions = {}): Promise<void> {
  const dir = options.dir ?? DEFAULT_CONSOLE_DIR;
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true, security: [] } as typeof route.schema;
    });
    scope.addHook('onSend', async (_request, reply) => {
      reply.headers(SECURITY_HEADERS);
    });

    const built = existsSync(join(dir, 'index.html'));
    const pagePaths = ['/', ...CONSOLE_PAGE_PREFIXES.flatMap((prefix) => [prefix, `${prefix}/*`])];
    if (!built) {
      const notBuilt = async (_request: unknown, reply: FastifyReply) =>
        reply.code(503).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      for (const path of pagePaths) scope.get(path, notBuilt);
      return;
    }

    if (existsSync(join(dir, 'assets'))) {
      await scope.register(fastifyStatic, {
        root: join(dir, 'assets'),
        prefix: '/assets/',
        decorateReply: false,
        index: false,
        dotfiles: 'deny',
        maxAge: '365d',
        immutable: true,
        // The build writes .br and .gz beside each file: sent as the browser accepts, never compressed per request.
        preCompressed: true,
      });
    }
    // Files Vite copies from the console's public/ folder (an icon, say) sit beside index.html; served
    // by name, cached for a day: their names carry no content hash.
    const topLevel = readdirSync(dir).filter((name) => !name.startsWith('index.html') && !name.startsWith('.') && !/\.(gz|br)$/.test(name) && statSync(join(dir, name)).isFile());
    await scope.register(fastifyStatic, { root: dir, serve: false });
    for (const name of topLevel) {
      scope.get(`/${encodeURI(name)}`, async (_request, reply) => reply.sendFile(name, { maxAge: '1d', immutable: false }));
    }
    const index = async (_request: unknown, reply: FastifyReply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    for (const path of pagePaths) scope.get(path, index);
  });
}
