export function buildInputs(root: string): string[];
export function staleReason(root: string): string | null;
export function writeStamp(root: string, startedMs: number, inputs?: string[]): void;
