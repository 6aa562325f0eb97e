/**
 * Failure artifacts (fuzz/artifacts/, ignored by git): everything needed to replay a failure and
 * to read it. The counterexample is stored in a JSON form that can be rebuilt (byte arrays as
 * hex, big integers as decimal strings); replay itself regenerates it from the seed and path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { TARGET_NAMES, type TargetName } from './targets/types.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ArtifactOptions {
  readonly profile?: string;
  readonly plant?: string;
  readonly host?: string;
  readonly port?: number;
  /** The hostile target's attack per run, in ms (a run replays with the same length). */
  readonly attackMs?: number;
}

export interface Artifact {
  readonly format: 'parley-fuzz-artifact/1';
  readonly target: TargetName;
  readonly property: string;
  readonly seed: number;
  /** fast-check's path to the shrunk counterexample. */
  readonly path: string;
  readonly runs: number;
  readonly shrinks: number;
  /** The shrunk counterexample, encoded (see encodeValue). */
  readonly counterexample: Json;
  /** The same, as fast-check prints it. */
  readonly counterexampleText: string;
  readonly error: string;
  readonly options: ArtifactOptions;
  /** The command that replays this failure. */
  readonly command: string;
  readonly createdAt: string;
}

/** Encodes any value as JSON that `decodeValue` turns back into an equal value. */
export function encodeValue(value: unknown): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value === undefined) return { $undefined: true };
  if (typeof value === 'number')
    return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: String(value) };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Uint8Array)
    return { $hex: Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex') };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // Commands, maps, class instances: kept as fast-check prints them.
      return { $text: fc.stringify(value) };
    }
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeValue(v);
    return Object.keys(out).some((k) => k.startsWith('$')) ? { $object: out } : out;
  }
  return { $text: String(value) };
}

/** Rebuilds what `encodeValue` encoded (text-only values stay text). */
export function decodeValue(json: Json): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(decodeValue);
  if ('$hex' in json) return Buffer.from(String(json.$hex), 'hex');
  if ('$bigint' in json) return BigInt(String(json.$bigint));
  if ('$undefined' in json) return undefined;
  if ('$number' in json) return Number(json.$number);
  if ('$text' in json) return json.$text;
  const source = '$object' in json ? (json.$object as { [key: string]: Json }) : json;
  return Object.fromEntries(Object.entries(source).map(([k, v]) => [k, decodeValue(v)]));
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** Writes `artifact` under `dir`; returns its path. */
export function writeArtifact(
  dir: string,
  artifact: Omit<Artifact, 'command'>,
  command: (file: string) => string,
): string {
  mkdirSync(dir, { recursive: true });
  const stamp = artifact.createdAt.replace(/[:.]/g, '').replace('T', '-').slice(0, 17);
  const file = join(
    dir,
    `${safeName(artifact.target)}-${safeName(artifact.property)}-seed${artifact.seed}-${stamp}.json`,
  );
  writeFileSync(file, `${JSON.stringify({ ...artifact, command: command(file) }, null, 2)}\n`);
  return file;
}

export class ArtifactError extends Error {}

export function readArtifact(file: string): Artifact {
  let data: Partial<Artifact>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<Artifact>;
  } catch (err) {
    throw new ArtifactError(`cannot read artifact ${file}: ${(err as Error).message}`);
  }
  if (
    data.format !== 'parley-fuzz-artifact/1' ||
    !TARGET_NAMES.includes(data.target as TargetName) ||
    typeof data.property !== 'string' ||
    typeof data.seed !== 'number' ||
    typeof data.path !== 'string'
  ) {
    throw new ArtifactError(
      `${file} is not a Parley fuzz artifact (format, target, property, seed and path are required)`,
    );
  }
  return {
    options: {},
    counterexample: null,
    counterexampleText: '',
    error: '',
    runs: 0,
    shrinks: 0,
    command: '',
    createdAt: '',
    ...data,
  } as Artifact;
}
