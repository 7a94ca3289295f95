import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorCatalog } from '../../src/api/errors/catalog.js';

const CATALOG_FILE = join('src', 'api', 'errors', 'catalog.ts');
const CODE = /['"`]((?:HSS|APIGW)\.\d{4})['"`]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Codes written anywhere in src/ except the catalog itself, and the reasons mapped to codes. */
function codesUsedOutsideCatalog(): Set<string> {
  const used = new Set<string>();
  for (const file of sourceFiles('src')) {
    if (file === CATALOG_FILE) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(CODE)) used.add(match[1]!);
  }
  return used;
}

/** Codes the catalog's reason map sends for domain errors (raised across services by reason). */
function codesReachedThroughReasons(): Set<string> {
  const text = readFileSync(CATALOG_FILE, 'utf8');
  const mapping = text.slice(text.indexOf('codeForReason'));
  return new Set([...mapping.matchAll(CODE)].map((m) => m[1]!));
}

describe('error catalog', () => {
  it('holds every error code the code sends', () => {
    for (const code of codesUsedOutsideCatalog()) assert.ok(code in errorCatalog, `${code} is used in src/ but missing from the catalog`);
  });

  it('holds no code that nothing sends', () => {
    const reachable = new Set([...codesUsedOutsideCatalog(), ...codesReachedThroughReasons()]);
    for (const code of Object.keys(errorCatalog)) assert.ok(reachable.has(code), `${code} is in the catalog but nothing sends it`);
  });

  it('gives each code a client or server status that matches its family', () => {
    for (const [code, entry] of Object.entries(errorCatalog)) {
      assert.ok(entry.status >= 400 && entry.status <= 599, code);
      if (code.startsWith('APIGW.03')) assert.equal(entry.status, 401, `${code} is an authentication failure`);
    }
  });
});
