/**
 * The host vulnerability writer thread (started by HostVulRepository on
 * SQLite): writes each batch it is sent and answers with its id, or the error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HostVulWrite } from './host-vul-repository.js';
import { unpackInserts } from './host-vul-packing.js';
import { openSqliteHostVulWriter } from './sqlite-host-vul-writer.js';

const writer = openSqliteHostVulWriter((workerData as { file: string }).file);
parentPort!.on('message', (message: { id: number; batch: HostVulWrite; packed: Float64Array }) => {
  try {
    writer.write({ ...message.batch, inserts: unpackInserts(message.packed) });
    parentPort!.postMessage({ id: message.id });
  } catch (err) {
    parentPort!.postMessage({ id: message.id, error: (err as Error).message });
  }
});
