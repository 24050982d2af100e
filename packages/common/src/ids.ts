import { createHash } from 'node:crypto';

/**
 * A UUID derived from a name (UUID version 5 layout over SHA-1). Seeds use it so the same fact
 * gets the same id in every service and on every run: an MoU seeded by `library` and referenced
 * by `bpsdm-central` agree on its id without either reading the other's tables.
 */
export function stableId(namespace: string, key: string | number): string {
  const hash = createHash('sha1').update(`${namespace}:${key}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A small, fast, seeded pseudo-random generator (mulberry32): same seed, same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
