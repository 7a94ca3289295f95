export function debootstrapRoot(dir?: string): string;
export function buildBase(options?: { rootfs?: string; node?: string }): Promise<string>;
export function productionPackageDirs(repo?: string): string[];
export function assembleContext(dir: string, repo?: string): string;
export function ulimitArgs(): string[];
export function podmanRuntimeArgs(): string[];
export function buildImage(options: { base: string; tag?: string; context: string }): string;
export function imageInputsKey(repo?: string): string;
