import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { S3_SECRET_AAD, sealSetting } from '../../files/open-store.js';
import { deriveKey, loadMasterKey } from '../../security/master-key.js';
import { SecretBox } from '../../security/secret-box.js';
import { out } from '../output.js';

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8').replace(/\r?\n$/, '');
}

/** `openhss files …`: the export file store's settings. */
export function registerFileCommands(program: Command): void {
  const files = program.command('files').description('Where export files are kept (files.store: local, postgres or s3)');
  files
    .command('seal-secret')
    .description(
      'Seal the S3 secret key (read from standard input, never an argument) with the master key, for OPENHSS_S3_SECRET_ACCESS_KEY or files.s3.secretAccessKey; every process needs the same master key to open it',
    )
    .action(async () => {
      const secret = await readStdin();
      if (!secret) throw new Error('no secret on standard input');
      const config = loadConfig();
      const box = new SecretBox(deriveKey(loadMasterKey(config.security.masterKey, config.dataDir), 'secret-encryption'));
      out(sealSetting(secret, box, S3_SECRET_AAD));
    });
}
