/**
 * Small helpers shared by the fuzz targets: assertions with readable messages, error codes, bytes.
 */
import { createHash } from 'node:crypto';
import { ParleyError } from '../src/errors.js';

/** A property violation: the message says which invariant broke and with what. */
export class PropertyViolation extends Error {
  override readonly name = 'PropertyViolation';
}

export function ensure(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new PropertyViolation(typeof message === 'string' ? message : message());
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Hex of at most `max` bytes, with the total length when cut. */
export function shortHex(bytes: Uint8Array, max = 24): string {
  const text = hex(bytes.subarray(0, max));
  return bytes.length > max ? `${text}... (${bytes.length} bytes)` : text || '(empty)';
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

export function concatBytes(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));
}

/** Runs `fn`; returns its value, or the error it threw. */
export function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `CODE` for a ParleyError, a description of anything else (which is always a finding). */
export function describeError(err: unknown): string {
  if (err instanceof ParleyError) return `${err.code} (${err.message})`;
  if (err instanceof Error) return `${err.name}: ${err.message} (not a ParleyError)`;
  return `${String(err)} (not a ParleyError)`;
}

/** Asserts that `err` is a ParleyError with one of `codes` (h11: garbage gets the protocol error). */
export function ensureCode(err: unknown, codes: readonly string[], context: string): ParleyError {
  ensure(
    err instanceof ParleyError && codes.includes(err.code),
    () => `${context}: expected ${codes.join(' or ')}, got ${describeError(err)}`,
  );
  return err as ParleyError;
}

/** Deterministic bytes from a seed (SHA-256 in counter mode): randomness under fast-check's control. */
export function seededBytes(seed: string | number): (size: number) => Buffer {
  let counter = 0;
  return (size: number) => {
    const out = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const block = createHash('sha256').update(`parley-fuzz/${seed}/${counter++}`).digest();
      filled += block.copy(out, filled);
    }
    return out;
  };
}

/** Splits `bytes` at the given cut points (any integers, taken modulo the length). */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  if (bytes.length === 0) return [];
  const points = [...new Set(cuts.map((c) => Math.abs(c) % bytes.length))].filter((c) => c > 0);
  points.sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

/** How to chunk a byte stream: at cut points, or one byte at a time (the h11 rule). */
export type Chunking =
  | { readonly kind: 'cuts'; readonly cuts: readonly number[] }
  | { readonly kind: 'bytewise' };

export function chunk(bytes: Buffer, chunking: Chunking): Buffer[] {
  if (chunking.kind === 'cuts') return splitAt(bytes, chunking.cuts);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes.subarray(i, i + 1));
  return out;
}
