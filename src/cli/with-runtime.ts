import { loadConfig } from '../config/load.js';
import { openRuntime, type Runtime } from '../runtime/runtime.js';

/** CLI commands act as the operator: they open the data store directly, do their work and close it. */
export async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig());
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
