/**
 * The shared vector file format (Wycheproof style): the file, group and test types, the numbering
 * of tests, the exact on-disk text, and the fixed-input helpers every builder uses (hex/text
 * encoding, label-derived bytes, scripted randomness).
 */
import { createHash } from 'node:crypto';
import type { RandomSource } from '../../src/crypto/key-agreement.js';

export const GENERATOR_VERSION = '1';

export type VectorResult = 'valid' | 'invalid' | 'acceptable';

/** A test before numbering: tcIds are assigned in file order by `vectorFile`. */
export interface DraftTest {
  readonly comment: string;
  readonly flags: readonly string[];
  readonly result: VectorResult;
  readonly [field: string]: unknown;
}

export interface VectorTest extends DraftTest {
  readonly tcId: number;
}

export interface VectorGroup {
  readonly tests: readonly VectorTest[];
  readonly [param: string]: unknown;
}

export interface VectorFile {
  readonly algorithm: string;
  readonly schema: string;
  readonly generatorVersion: string;
  readonly notes: Readonly<Record<string, string>>;
  readonly numberOfTests: number;
  readonly testGroups: readonly VectorGroup[];
}

export type DraftGroup = { readonly tests: readonly DraftTest[]; readonly [param: string]: unknown };

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
export const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** `size` bytes that depend only on `label`: SHA-256 in counter mode. */
export function fixedBytes(label: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let filled = 0, i = 0; filled < size; i++) {
    filled += createHash('sha256').update(`parley/vectors/${label}/${i}`).digest().copy(out, filled);
  }
  return out;
}

/**
 * A RandomSource that returns `draws` in order, one per call, and refuses a call whose size differs
 * or that comes after the last draw: a vector that no longer matches the core's draw order fails
 * loudly instead of silently changing.
 */
export function scriptedRandom(
  draws: readonly Buffer[],
): RandomSource & { readonly remaining: () => number } {
  let next = 0;
  const random = (size: number): Buffer => {
    const draw = draws[next];
    if (draw === undefined) throw new Error(`scripted random: draw ${next} (${size} bytes) was not scripted`);
    if (draw.length !== size) {
      throw new Error(`scripted random: draw ${next} is ${draw.length} bytes, the core asked for ${size}`);
    }
    next++;
    return Buffer.from(draw);
  };
  return Object.assign(random, { remaining: () => draws.length - next });
}

/** Numbers the tests (tcId from 1, unique in the file) and checks that every flag is described. */
export function vectorFile(
  algorithm: string,
  schema: string,
  notes: Record<string, string>,
  groups: readonly DraftGroup[],
): VectorFile {
  let tcId = 0;
  const testGroups = groups.map((group) => {
    const { tests, ...params } = group;
    return {
      ...params,
      tests: tests.map((test) => {
        for (const flag of test.flags) {
          if (!(flag in notes)) throw new Error(`${algorithm}: flag ${flag} has no note`);
        }
        return { tcId: ++tcId, ...test } as VectorTest;
      }),
    };
  });
  return { algorithm, schema, generatorVersion: GENERATOR_VERSION, notes, numberOfTests: tcId, testGroups };
}

/** The exact text of a vector file on disk. */
export function renderVectorFile(file: VectorFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
