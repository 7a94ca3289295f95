import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const CACHE = process.env.OPENHSS_TEST_CACHE ?? join(homedir(), '.cache', 'openhss-test');

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/**
 * A real Go binary built by Debian's Go toolchain from a tiny program that
 * depends on `example.com/lib v1.2.3`, served by a file-based module proxy
 * (no network). The Go build cache is kept between runs.
 */
export function buildGoBinary(): { binary: string; goVersion: string } {
  const work = mkdtempSync(join(tmpdir(), 'openhss-go-'));
  const proxy = join(work, 'proxy', 'example.com', 'lib', '@v');
  write(join(proxy, 'list'), 'v1.2.3\n');
  write(join(proxy, 'v1.2.3.info'), '{"Version":"v1.2.3","Time":"2024-01-01T00:00:00Z"}\n');
  write(join(proxy, 'v1.2.3.mod'), 'module example.com/lib\n\ngo 1.19\n');
  const zipRoot = join(work, 'zip');
  write(join(zipRoot, 'example.com', 'lib@v1.2.3', 'go.mod'), 'module example.com/lib\n\ngo 1.19\n');
  write(join(zipRoot, 'example.com', 'lib@v1.2.3', 'lib.go'), 'package lib\n\nfunc Greeting() string { return "hello" }\n');
  execFileSync('zip', ['-q', '-r', '-D', join(proxy, 'v1.2.3.zip'), 'example.com'], { cwd: zipRoot });
  const app = join(work, 'app');
  write(join(app, 'go.mod'), 'module example.com/app\n\ngo 1.19\n\nrequire example.com/lib v1.2.3\n');
  write(join(app, 'main.go'), 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n)\n\nfunc main() { fmt.Println(lib.Greeting()) }\n');
  const gocache = join(CACHE, 'gocache');
  if (!existsSync(gocache)) mkdirSync(gocache, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    GOPATH: join(work, 'gopath'),
    GOCACHE: gocache,
    GOPROXY: `file://${join(work, 'proxy')}`,
    GOSUMDB: 'off',
    GOFLAGS: '-mod=mod -buildvcs=false',
    CGO_ENABLED: '0',
  };
  execFileSync('go', ['build', '-o', join(work, 'app-bin'), '.'], { cwd: app, env });
  const goVersion = execFileSync('go', ['env', 'GOVERSION'], { env, encoding: 'utf8' }).trim();
  return { binary: join(work, 'app-bin'), goVersion };
}
