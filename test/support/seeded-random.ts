/** Deterministic random bytes for tests: SHA-256 in counter mode over a seed. */
import { createHash } from 'node:crypto';

export function seededRandom(seed: string): (size: number) => Buffer {
  let counter = 0;
  return (size: number) => {
    const out = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      filled += block.copy(out, filled);
    }
    return out;
  };
}
