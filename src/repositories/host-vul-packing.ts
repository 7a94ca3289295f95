import type { NewHostVul } from './host-vul-repository.js';

/** Fields of a packed insert, in order; a null handled fingerprint is NaN. */
export const PACKED_INSERT_FIELDS = 7;

export function packInserts(inserts: NewHostVul[]): Float64Array {
  const out = new Float64Array(inserts.length * PACKED_INSERT_FIELDS);
  let o = 0;
  for (const r of inserts) {
    out[o++] = r.hostSeq;
    out[o++] = r.vulSeq;
    out[o++] = r.affectSeq;
    out[o++] = r.kind;
    out[o++] = r.status;
    out[o++] = r.handledFingerprint ?? Number.NaN;
    out[o++] = r.firstScanTime;
  }
  return out;
}

export function unpackInserts(packed: Float64Array): NewHostVul[] {
  const out: NewHostVul[] = new Array(packed.length / PACKED_INSERT_FIELDS);
  for (let i = 0, o = 0; o < packed.length; i++, o += PACKED_INSERT_FIELDS) {
    const fingerprint = packed[o + 5]!;
    out[i] = {
      hostSeq: packed[o]!,
      vulSeq: packed[o + 1]!,
      affectSeq: packed[o + 2]!,
      kind: packed[o + 3]!,
      status: packed[o + 4]!,
      handledFingerprint: Number.isNaN(fingerprint) ? null : fingerprint,
      firstScanTime: packed[o + 6]!,
    };
  }
  return out;
}
