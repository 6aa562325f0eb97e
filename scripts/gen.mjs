// Code generator: spec/parley.spec.json -> spec/spec.schema.json, src/generated/*.ts, spec/PROTOCOL.md.
//
//   node scripts/gen.mjs                 write every generated file
//   node scripts/gen.mjs --check         write nothing; exit 1 listing the files that are out of date
//   --spec PATH                          read another spec (default: spec/parley.spec.json)
//   --out DIR                            write under another root (default: the repository)
//
// Plain JavaScript so that it runs without a TypeScript build. The output is deterministic: the same
// spec always gives the same bytes.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { specFormat } from './spec-format.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SPEC_NAME = 'spec/parley.spec.json';
const WIDTH = 110;

/** Events a machine may react to that are neither a received packet nor `send:X`. */
export const LOCAL_EVENTS = Object.freeze(['open', 'eof', 'timeout', 'shutdown']);

/** The generated files, relative to the output root. */
export const OUTPUT_FILES = Object.freeze([
  'spec/spec.schema.json',
  'src/generated/constants.ts',
  'src/generated/errors.ts',
  'src/generated/v2-packets.ts',
  'src/generated/legacy-packets.ts',
  'src/generated/machines.ts',
  'spec/PROTOCOL.md',
]);

const TS_HEADER = [
  `// Generated from ${SPEC_NAME} by scripts/gen.mjs. Do not edit by hand:`,
  '// edit the spec and run `npm run gen`.',
  '',
].join('\n');

// ---------------------------------------------------------------------------------------------------------
// Validation

/** `['a', 0, 'b']` -> `a[0].b`. */
export function formatPath(parts) {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(part))) out += out ? `.${String(part)}` : String(part);
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(root)';
}

/** Checks the spec against the format schema. Returns `{ spec }` or `{ errors }` (one line per issue). */
export function validateFormat(raw) {
  const result = specFormat.safeParse(raw);
  if (result.success) return { spec: result.data, errors: [] };
  const errors = [];
  const visit = (issues, base) => {
    for (const issue of issues) {
      const where = [...base, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) errors.push(`${formatPath([...where, key])}: unknown key`);
      } else if (issue.code === 'invalid_key' && issue.issues?.length) {
        for (const inner of issue.issues) errors.push(`${formatPath(where)}: invalid key: ${inner.message}`);
      } else if (issue.code === 'invalid_union' && issue.errors?.length === 1) {
        visit(issue.errors[0], where);
      } else {
        errors.push(`${formatPath(where)}: ${issue.message}`);
      }
    }
  };
  visit(result.error.issues, []);
  return { errors };
}

const topSection = (id) => id.split('.')[0];

function duplicates(values) {
  const seen = new Set();
  const dups = new Set();
  for (const v of values) (seen.has(v) ? dups : seen).add(v);
  return dups;
}

/**
 * Checks the references between parts of a spec that already matches the format.
 * Returns a list of `path: message` lines; empty when the spec is consistent.
 */
export function checkReferences(spec) {
  const errors = [];
  const err = (parts, message) => errors.push(`${formatPath(parts)}: ${message}`);
  const { v2, legacy } = spec.profiles;

  // Unique names.
  const unique = (list, key, where) => {
    const dups = duplicates(list.map((x) => x[key]));
    list.forEach((x, i) => {
      if (dups.has(x[key])) err([...where, i, key], `duplicate ${key} ${JSON.stringify(x[key])}`);
    });
  };
  unique(spec.sections, 'id', ['sections']);
  unique(spec.limits, 'name', ['limits']);
  unique(spec.errors, 'code', ['errors']);
  unique(spec.framing.outcomes, 'id', ['framing', 'outcomes']);
  unique(v2.crypto.groups, 'name', ['profiles', 'v2', 'crypto', 'groups']);
  unique(v2.packets, 'type', ['profiles', 'v2', 'packets']);
  unique(legacy.packets, 'typ', ['profiles', 'legacy', 'packets']);

  // Section references point into a declared top-level section.
  const sectionIds = new Set(spec.sections.map((s) => s.id));
  const checkSection = (value, where) => {
    if (!sectionIds.has(topSection(value))) {
      err(where, `section ${value} is not under any declared section (${[...sectionIds].join(', ')})`);
    }
  };
  const walkSections = (node, where) => {
    if (Array.isArray(node)) {
      for (const [i, x] of node.entries()) walkSections(x, [...where, i]);
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'section' && typeof v === 'string') checkSection(v, [...where, k]);
        else if (k !== 'sections') walkSections(v, [...where, k]);
      }
    }
  };
  walkSections(spec, []);

  // Error codes.
  const codes = new Set(spec.errors.map((e) => e.code));
  spec.framing.outcomes.forEach((o, i) => {
    if (o.code !== null && !codes.has(o.code)) {
      err(['framing', 'outcomes', i, 'code'], `unknown error code ${JSON.stringify(o.code)}`);
    }
  });

  // Regular expressions.
  const checkRegex = (source, flags, where) => {
    try {
      new RegExp(source, flags);
    } catch (e) {
      err(where, `not a valid regular expression: ${e.message}`);
    }
  };
  checkRegex(spec.framing.headerRegex, '', ['framing', 'headerRegex']);
  checkRegex(v2.names.pattern, 'u', ['profiles', 'v2', 'names', 'pattern']);
  checkRegex(legacy.names.pattern, '', ['profiles', 'legacy', 'names', 'pattern']);

  // v2 packets: `type` is the discriminator, and a `code` enum lists error codes.
  v2.packets.forEach((p, i) => {
    const where = ['profiles', 'v2', 'packets', i, 'fields'];
    if ('type' in p.fields) err([...where, 'type'], 'the field `type` is implicit and may not be declared');
    const code = p.fields.code;
    if (code?.kind === 'enum') {
      code.values.forEach((v, j) => {
        if (!codes.has(v)) err([...where, 'code', 'values', j], `unknown error code ${JSON.stringify(v)}`);
      });
    }
  });

  // legacy: the group is a v2 group (its parameters live there), the key order lists each key once.
  if (!v2.crypto.groups.some((g) => g.name === legacy.crypto.group)) {
    err(['profiles', 'legacy', 'crypto', 'group'], `unknown group ${JSON.stringify(legacy.crypto.group)}`);
  }
  const keyOrder = legacy.packetObject.keyOrder;
  const legacyKeys = ['shost', 'dhost', 'username', 'date', 'cont', 'typ', 'shouldParseContents'];
  for (const key of duplicates(keyOrder)) {
    err(['profiles', 'legacy', 'packetObject', 'keyOrder'], `duplicate key ${JSON.stringify(key)}`);
  }
  for (const key of legacyKeys.filter((k) => !keyOrder.includes(k))) {
    err(['profiles', 'legacy', 'packetObject', 'keyOrder'], `missing key ${JSON.stringify(key)}`);
  }

  // Machines.
  const profiles = [
    ['v2', v2.packets.map((p) => ({ name: p.type, direction: p.direction }))],
    ['legacy', legacy.packets.map((p) => ({ name: p.typ, direction: p.direction }))],
  ];
  for (const [profile, packets] of profiles) {
    for (const role of ['server', 'client']) {
      const machine = spec.profiles[profile].machines[role];
      const where = ['profiles', profile, 'machines', role];
      const states = Object.keys(machine.states);
      const stateList = states.join(', ');
      if (!states.includes(machine.initial)) {
        err(
          [...where, 'initial'],
          `undeclared state ${JSON.stringify(machine.initial)} (declared: ${stateList})`,
        );
      }
      const receives = role === 'server' ? 'c2s' : 's2c';
      const sends = role === 'server' ? 's2c' : 'c2s';
      const canReceive = new Set(packets.filter((p) => p.direction !== sends).map((p) => p.name));
      const canSend = new Set(packets.filter((p) => p.direction !== receives).map((p) => p.name));
      const guards = new Map();
      machine.transitions.forEach((t, i) => {
        const at = [...where, 'transitions', i];
        for (const key of ['from', 'to']) {
          if (!states.includes(t[key])) {
            err([...at, key], `undeclared state ${JSON.stringify(t[key])} (declared: ${stateList})`);
          }
        }
        if (t.on.startsWith('send:')) {
          const packet = t.on.slice('send:'.length);
          if (!canSend.has(packet)) {
            err(
              [...at, 'on'],
              `the ${role} cannot send ${JSON.stringify(packet)} (not a ${sends} or both packet)`,
            );
          }
        } else if (!canReceive.has(t.on) && !LOCAL_EVENTS.includes(t.on)) {
          err(
            [...at, 'on'],
            `${JSON.stringify(t.on)} is neither a packet the ${role} receives (${receives} or both) ` +
              `nor a local event (${LOCAL_EVENTS.join(', ')})`,
          );
        }
        const key = `${t.from}\u0000${t.on}`;
        const list = guards.get(key) ?? [];
        list.push({ when: t.when ?? null, index: i });
        guards.set(key, list);
      });
      for (const list of guards.values()) {
        if (list.length < 2) continue;
        const whens = list.map((x) => x.when);
        for (const { when, index } of list) {
          const at = [...where, 'transitions', index];
          if (when === null) {
            err([...at, 'when'], 'several transitions share this state and event: each needs a `when`');
          } else if (whens.indexOf(when) !== whens.lastIndexOf(when)) {
            err([...at, 'when'], `duplicate guard ${JSON.stringify(when)} for this state and event`);
          }
        }
      }
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------------------
// TypeScript emission helpers

/** A single-quoted TypeScript string literal. */
export function q(value) {
  const body = JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${body}'`;
}

const isIdentifier = (k) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k);
const tsKey = (k) => (isIdentifier(k) ? k : q(k));

/** Code that `lit` copies as is; `render(indent)` gives the code for a value at that indentation. */
class Raw {
  constructor(render) {
    this.render = typeof render === 'function' ? render : () => render;
  }
}
const raw = (render) => new Raw(render);

/** A TypeScript literal for a JSON-like value: on one line when it fits, otherwise one item a line. */
function lit(value, indent = '', column = indent.length) {
  if (value instanceof Raw) return value.render(indent);
  if (value === null) return 'null';
  if (typeof value === 'string') return q(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = indent + '  ';
  let items;
  let open;
  let close;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    items = value.map((v) => lit(v, inner));
    [open, close] = ['[', ']'];
  } else {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    items = entries.map(([k, v]) => {
      const column = inner.length + tsKey(k).length + 2;
      const code =
        typeof v === 'string' && column + q(v).length + 1 > WIDTH ? splitString(v, `${inner}  `) : null;
      return code ? `${tsKey(k)}:\n${code}` : `${tsKey(k)}: ${lit(v, inner, column)}`;
    });
    [open, close] = ['{ ', ' }'];
  }
  const flat = `${open}${items.join(', ')}${close}`;
  if (!flat.includes('\n') && column + flat.length + 2 <= WIDTH) return flat;
  return `${open.trim()}\n${items.map((x) => `${inner}${x},`).join('\n')}\n${indent}${close.trim()}`;
}

/**
 * A long string as a concatenation of pieces, one a line at `indent`, split after spaces; null when it
 * cannot be split.
 */
function splitString(value, indent) {
  const words = value.split(/(?<= )/);
  if (words.length < 2) return null;
  const pieces = [];
  let piece = '';
  for (const word of words) {
    if (piece && indent.length + q(piece + word).length + 2 > WIDTH) {
      pieces.push(piece);
      piece = word;
    } else piece += word;
  }
  pieces.push(piece);
  return pieces.map((p) => `${indent}${q(p)}`).join(' +\n');
}

/** `head value tail`, with the value laid out knowing where it starts. */
function decl(head, value, tail) {
  return `${head}${lit(value, '', head.length + tail.length)}${tail}`;
}

/** Splits text into lines of at most `width` characters (longer words stay whole). */
function wrap(text, width, { safeStart = () => true } = {}) {
  // Split on single spaces so that runs of spaces (e.g. inside a code span) survive.
  const words = text.trim().split(' ');
  const lines = [];
  let line = '';
  for (const word of words) {
    if (line && word && line.length + 1 + word.length > width && safeStart(word)) {
      lines.push(line);
      line = word;
    } else {
      line = lines.length === 0 && line === '' ? word : `${line} ${word}`;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** A JSDoc comment. */
function doc(text, indent = '') {
  const clean = text.replace(/\*\//g, '*\\/');
  const lines = wrap(clean, WIDTH - indent.length - 3);
  if (lines.length === 1 && indent.length + lines[0].length + 7 <= WIDTH)
    return `${indent}/** ${lines[0]} */`;
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`].join('\n');
}

/** A regular expression literal. */
function regexLiteral(source, flags = '') {
  return `/${new RegExp(source, flags).source}/${flags}`;
}

const camel = (snake) => snake.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const pascal = (snake) => camel(snake).replace(/^./, (c) => c.toUpperCase());
const schemaName = (type) => `${camel(type)}Schema`;

function tsFile(parts) {
  return `${TS_HEADER}\n${parts.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------
// src/generated/constants.ts

function genConstants(spec) {
  const { v2, legacy } = spec.profiles;
  const limits = Object.fromEntries(spec.limits.map((l) => [l.name, l.default]));
  const limitInfo = Object.fromEntries(
    spec.limits.map((l) => [
      l.name,
      { default: l.default, min: l.min, max: l.max, unit: l.unit, text: l.text },
    ]),
  );
  const groupInfo = Object.fromEntries(
    v2.crypto.groups.map((g) => {
      const info = { shareBytes: g.shareBytes };
      if (g.primeHex !== undefined) {
        const chunks = g.primeHex.match(/.{1,64}/g);
        info.primeHex = raw(
          (indent) => `[\n${chunks.map((c) => `${indent}  ${q(c)},`).join('\n')}\n${indent}].join('')`,
        );
      }
      if (g.generator !== undefined) info.generator = g.generator;
      if (g.privateBytes !== undefined) info.privateBytes = g.privateBytes;
      return [g.name, info];
    }),
  );
  const kdf = v2.crypto.kdf;
  return tsFile([
    [
      doc(`The version of the ${spec.name} spec these constants come from.`),
      `export const SPEC_VERSION = ${q(spec.version)};`,
      '',
      doc('The default TCP port.'),
      `export const DEFAULT_PORT = ${spec.defaultPort};`,
    ].join('\n'),
    [
      doc(`Framing (section ${spec.framing.section}): the header is exactly this many bytes of ASCII.`),
      `export const HEADER_SIZE = ${spec.framing.headerSize};`,
      '',
      doc(`The header grammar: ${spec.framing.grammar}.`),
      `export const HEADER_REGEX = ${regexLiteral(spec.framing.headerRegex)};`,
    ].join('\n'),
    [
      doc('Default limits (section 11), by name.'),
      decl(`export const LIMITS = `, limits, ' as const;'),
      '',
      'export type LimitName = keyof typeof LIMITS;',
      '',
      doc('A full set of limits, e.g. a server configuration.'),
      'export type Limits = { [K in LimitName]: number };',
      '',
      'export interface LimitInfo {',
      '  readonly default: number;',
      '  readonly min: number;',
      '  readonly max: number;',
      '  readonly unit: string;',
      '  readonly text: string;',
      '}',
      '',
      doc('Each limit with its default, its accepted range, its unit and its meaning.'),
      decl(`export const LIMIT_INFO: Readonly<Record<LimitName, LimitInfo>> = `, limitInfo, ';'),
    ].join('\n'),
    [
      '// v2',
      '',
      doc('The v2 protocol id, sent in `server_hello` and `client_hello`.'),
      `export const V2_PROTOCOL_ID = ${q(v2.protocolId)};`,
      '',
      doc('The key agreement groups, in the order a server offers them.'),
      decl(
        `export const V2_GROUPS = `,
        v2.crypto.groups.map((g) => g.name),
        ' as const;',
      ),
      '',
      'export type V2Group = (typeof V2_GROUPS)[number];',
      '',
      'export interface V2GroupInfo {',
      '  /** The length of a share (public value) in bytes. */',
      '  readonly shareBytes: number;',
      "  /** A finite-field group's prime, in upper-case hexadecimal. */",
      '  readonly primeHex?: string;',
      "  /** A finite-field group's generator. */",
      '  readonly generator?: number;',
      '  /** The length of a private exponent in bytes. */',
      '  readonly privateBytes?: number;',
      '}',
      '',
      decl(`export const V2_GROUP_INFO: Readonly<Record<V2Group, V2GroupInfo>> = `, groupInfo, ';'),
      '',
      doc(`HKDF info labels (section ${kdf.section}), as ASCII.`),
      decl(`export const V2_KDF_LABELS = `, kdf.labels, ' as const;'),
      '',
      `export const V2_KEY_BYTES = ${kdf.keyBytes};`,
      `export const V2_IV_BYTES = ${kdf.ivBytes};`,
      `export const V2_TAG_BYTES = ${v2.crypto.record.tagBytes};`,
      `export const V2_CIPHER = ${q(v2.crypto.record.cipher)};`,
      '',
      doc(
        `The context string of the server's ${v2.crypto.identity.algorithm} signature (section ${v2.crypto.identity.section}).`,
      ),
      `export const V2_SIGNATURE_CONTEXT = ${q(v2.crypto.identity.signatureContext)};`,
      '',
      doc(`Allowed user names (section ${v2.names.section}); lengths are checked against maxName.`),
      `export const V2_NAME_PATTERN = ${regexLiteral(v2.names.pattern, 'u')};`,
      '',
      doc(`Reserved names${v2.names.caseInsensitive ? ', compared case-insensitively' : ''}.`),
      decl(`export const V2_RESERVED_NAMES = `, v2.names.reserved, ' as const;'),
    ].join('\n'),
    [
      '// legacy (insecure by design; see the spec)',
      '',
      `export const LEGACY_CIPHER = ${q(legacy.crypto.cipher)};`,
      `export const LEGACY_IV_BYTES = ${legacy.crypto.ivBytes};`,
      '',
      doc('The legacy Diffie-Hellman group; its parameters are in V2_GROUP_INFO.'),
      `export const LEGACY_GROUP = ${q(legacy.crypto.group)};`,
      '',
      doc('The text whose SHA-256 keys frames the original sends before its key exchange ends.'),
      `export const LEGACY_NONE_KEY_TEXT = ${q(legacy.crypto.noneKeyText)};`,
      '',
      doc(`The keys of every legacy packet object, in wire order (section ${legacy.packetObject.section}).`),
      decl(`export const LEGACY_KEY_ORDER = `, legacy.packetObject.keyOrder, ' as const;'),
      '',
      `export const LEGACY_SERVER_NAME = ${q(legacy.packetObject.serverName)};`,
      `export const LEGACY_TEMP_NAME = ${q(legacy.packetObject.tempName)};`,
      `export const LEGACY_EXPORT_HEADER = ${q(legacy.exportHeader)};`,
      '',
      doc('Fixed texts; `{name}` in `left` stands for the user name.'),
      decl(`export const LEGACY_MESSAGES = `, legacy.messages, ' as const;'),
      '',
      doc(`Allowed user names (section ${legacy.names.section}); lengths are checked against maxName.`),
      `export const LEGACY_NAME_PATTERN = ${regexLiteral(legacy.names.pattern)};`,
      '',
      doc(
        `Reserved names${legacy.names.caseInsensitive ? ', compared case-insensitively' : ', compared exactly'}.`,
      ),
      decl(`export const LEGACY_RESERVED_NAMES = `, legacy.names.reserved, ' as const;'),
    ].join('\n'),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// src/generated/errors.ts

function genErrors(spec) {
  const errors = Object.fromEntries(
    spec.errors.map((e) => [e.code, { fatal: e.fatal, section: e.section, text: e.text }]),
  );
  const outcomes = spec.framing.outcomes.map((o) => ({
    id: o.id,
    input: o.input,
    code: o.code,
    text: o.text,
  }));
  return tsFile([
    [
      doc('Every error code (section 12), in spec order. Compare codes, never message text.'),
      decl(
        `export const ERROR_CODES = `,
        spec.errors.map((e) => e.code),
        ' as const;',
      ),
      '',
      'export type ErrorCode = (typeof ERROR_CODES)[number];',
      '',
      'export interface ErrorInfo {',
      '  /** A fatal error moves the connection to ERROR (section 4). */',
      '  readonly fatal: boolean;',
      '  /** The section that defines the error. */',
      '  readonly section: string;',
      '  readonly text: string;',
      '}',
      '',
      decl(`export const ERRORS: Readonly<Record<ErrorCode, ErrorInfo>> = `, errors, ';'),
    ].join('\n'),
    [
      'export interface FramingOutcome {',
      '  /** `SECTION/N`, e.g. `3.2/1`. */',
      '  readonly id: string;',
      '  readonly input: string;',
      '  /** The error reported, or null for a clean outcome. */',
      '  readonly code: ErrorCode | null;',
      '  readonly text: string;',
      '}',
      '',
      doc(`How a receiver decodes frames (section ${spec.framing.section}): each case and its outcome.`),
      decl(`export const FRAMING_OUTCOMES: readonly FramingOutcome[] = `, outcomes, ';'),
    ].join('\n'),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// src/generated/v2-packets.ts

/** The zod expression for a field descriptor; multi-line expressions are indented from `indent`. */
function zodExpr(desc, indent) {
  let e;
  switch (desc.kind) {
    case 'literal':
      e = `z.literal(${lit(desc.value)})`;
      break;
    case 'string':
      e = 'z.string()';
      if (desc.minLength !== undefined) e += `.min(${desc.minLength})`;
      if (desc.maxLength !== undefined) e += `.max(${desc.maxLength})`;
      break;
    case 'integer':
      e = 'z.number().int()';
      if (desc.min !== undefined) e += `.min(${desc.min})`;
      if (desc.max !== undefined) e += `.max(${desc.max})`;
      break;
    case 'boolean':
      e = 'z.boolean()';
      break;
    case 'bytes': {
      const bounds = {};
      if (desc.size !== undefined) bounds.size = desc.size;
      if (desc.maxSize !== undefined) bounds.maxSize = desc.maxSize;
      e = `base64Bytes(${lit(bounds)})`;
      break;
    }
    case 'enum':
      e = `z.enum(${lit(desc.values, indent)})`;
      break;
    case 'array':
      e = `z.array(${zodExpr(desc.items, indent)})`;
      if (desc.minItems !== undefined) e += `.min(${desc.minItems})`;
      if (desc.maxItems !== undefined) e += `.max(${desc.maxItems})`;
      break;
    case 'object':
      e = objectExpr(
        Object.entries(desc.fields).map(([k, d]) => [k, zodExpr(d, `${indent}  `)]),
        indent,
      );
      break;
    default:
      throw new Error(`unknown field kind ${desc.kind}`);
  }
  return desc.optional ? `${e}.optional()` : e;
}

function objectExpr(entries, indent) {
  if (entries.length === 0) return 'z.strictObject({})';
  const lines = entries.map(([k, expr]) => `${indent}  ${tsKey(k)}: ${expr},`);
  return `z.strictObject({\n${lines.join('\n')}\n${indent}})`;
}

const BASE64_HELPER = `// Standard base64 with padding, canonical (unused bits zero).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

/** The decoded length of a string that matches BASE64. */
function base64Length(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** Bytes carried as a base64 string; the decoded length must be exactly \`size\` or at most \`maxSize\`. */
function base64Bytes(bounds: { size?: number; maxSize?: number }) {
  const { size, maxSize } = bounds;
  const base = z.string().regex(BASE64, { error: 'expected standard base64 with padding', abort: true });
  if (size !== undefined) {
    return base.refine((text) => base64Length(text) === size, {
      error: \`expected base64 of exactly \${size} bytes\`,
    });
  }
  if (maxSize !== undefined) {
    return base.refine((text) => base64Length(text) <= maxSize, {
      error: \`expected base64 of at most \${maxSize} bytes\`,
    });
  }
  return base;
}`;

function genV2Packets(spec) {
  const { packets } = spec.profiles.v2;
  const directionText = { s2c: 'server to client', c2s: 'client to server', both: 'either direction' };
  const schemas = packets.map((p) => {
    const entries = [
      ['type', `z.literal(${q(p.type)})`],
      ...Object.entries(p.fields).map(([k, d]) => [k, zodExpr(d, '  ')]),
    ];
    const summary =
      `\`${p.type}\` (section ${p.section}): ${directionText[p.direction]}, ` +
      `${p.encrypted ? 'encrypted' : 'plaintext'}. ${p.text}`;
    return `${doc(summary)}\nexport const ${schemaName(p.type)} = ${objectExpr(entries, '')};`;
  });
  const union = (dir) => {
    const names = packets
      .filter((p) => p.direction === dir || p.direction === 'both')
      .map((p) => schemaName(p.type));
    return `z.discriminatedUnion('type', ${lit(
      names.map((n) => raw(n)),
      '',
      40,
    )})`;
  };
  const info = Object.fromEntries(
    packets.map((p) => [p.type, { direction: p.direction, encrypted: p.encrypted, section: p.section }]),
  );
  return tsFile([
    "import { z } from 'zod';",
    BASE64_HELPER,
    ...schemas,
    [
      doc('Every v2 packet type, in spec order.'),
      decl(
        `export const V2_PACKET_TYPES = `,
        packets.map((p) => p.type),
        ' as const;',
      ),
      '',
      'export type V2PacketType = (typeof V2_PACKET_TYPES)[number];',
      '',
      doc('The schema of each packet type.'),
      decl(
        `export const V2_PACKET_SCHEMAS = `,
        Object.fromEntries(packets.map((p) => [p.type, raw(schemaName(p.type))])),
        ' as const;',
      ),
    ].join('\n'),
    [
      doc('A packet a client may send (c2s or both); a server parses received packets with it.'),
      `export const v2ClientPacketSchema = ${union('c2s')};`,
      '',
      doc('A packet a server may send (s2c or both); a client parses received packets with it.'),
      `export const v2ServerPacketSchema = ${union('s2c')};`,
      '',
      'export type V2ClientPacket = z.infer<typeof v2ClientPacketSchema>;',
      'export type V2ServerPacket = z.infer<typeof v2ServerPacketSchema>;',
      '',
      'export interface V2PacketMap {',
      ...packets.map((p) => `  ${p.type}: z.infer<typeof ${schemaName(p.type)}>;`),
      '}',
      '',
      'export type V2Packet = V2PacketMap[V2PacketType];',
      '',
      doc("The packet of type T, e.g. `V2PacketOf<'join'>`."),
      'export type V2PacketOf<T extends V2PacketType> = V2PacketMap[T];',
    ].join('\n'),
    [
      'export interface V2PacketInfo {',
      "  readonly direction: 'c2s' | 's2c' | 'both';",
      '  /** Sent as a record (section 6) rather than plaintext JSON. */',
      '  readonly encrypted: boolean;',
      '  readonly section: string;',
      '}',
      '',
      decl(`export const V2_PACKET_INFO: Readonly<Record<V2PacketType, V2PacketInfo>> = `, info, ';'),
    ].join('\n'),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// src/generated/legacy-packets.ts

const LEGACY_KEY_SCHEMAS = {
  shost: 'z.string()',
  dhost: 'z.string()',
  username: 'z.string()',
  date: 'z.string()',
  cont: 'z.union([z.string(), z.array(z.string().nullable())])',
  typ: 'z.string()',
  shouldParseContents: 'z.boolean()',
};

function genLegacyPackets(spec) {
  const { legacy } = spec.profiles;
  const entries = legacy.packetObject.keyOrder.map((k) => [k, LEGACY_KEY_SCHEMAS[k]]);
  const info = Object.fromEntries(
    legacy.packets.map((p) => [
      p.typ,
      { direction: p.direction, encrypted: p.encrypted, section: p.section, cont: p.cont },
    ]),
  );
  return tsFile([
    "import { z } from 'zod';",
    [
      doc(
        `The legacy packet object (section ${legacy.packetObject.section}): exactly these keys, in this order ` +
          '(zod outputs keys in schema order, so a parsed packet serialises in wire order). ' +
          '`cont` is a string, or a list of names in which the original may put null. ' +
          '`typ` is any string: an unknown typ is treated as `default`.',
      ),
      `export const legacyPacketSchema = ${objectExpr(entries, '')};`,
      '',
      'export type LegacyPacket = z.infer<typeof legacyPacketSchema>;',
    ].join('\n'),
    [
      doc('The declared typ values, in spec order.'),
      decl(
        `export const LEGACY_TYPS = `,
        legacy.packets.map((p) => p.typ),
        ' as const;',
      ),
      '',
      'export type LegacyTyp = (typeof LEGACY_TYPS)[number];',
      '',
      'export interface LegacyPacketInfo {',
      "  readonly direction: 'c2s' | 's2c' | 'both';",
      '  readonly encrypted: boolean;',
      '  readonly section: string;',
      '  /** What `cont` holds: a string, or a list of names. */',
      "  readonly cont: 'string' | 'list';",
      '}',
      '',
      decl(`export const LEGACY_PACKET_INFO: Readonly<Record<LegacyTyp, LegacyPacketInfo>> = `, info, ';'),
    ].join('\n'),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// src/generated/machines.ts

const MACHINE_LIST = [
  ['v2', 'server'],
  ['v2', 'client'],
  ['legacy', 'server'],
  ['legacy', 'client'],
];

function machineTable(machine) {
  const table = {};
  for (const state of Object.keys(machine.states)) table[state] = {};
  for (const t of machine.transitions) {
    const row = table[t.from];
    row[t.on] ??= [];
    row[t.on].push({ when: t.when ?? null, to: t.to });
  }
  return table;
}

function genMachines(spec) {
  const parts = [
    [
      'export interface MachineTransition<S extends string = string> {',
      '  /** The guard that picks this transition among those on the same event, or null. */',
      '  readonly when: string | null;',
      '  readonly to: S;',
      '}',
      '',
      'export interface MachineDef<S extends string = string> {',
      '  readonly section: string;',
      '  readonly initial: S;',
      '  readonly states: readonly S[];',
      '  /**',
      '   * state -> event -> transitions. An event is a packet type received, `send:X` when this side sends',
      '   * packet X, or a local event. A packet with no entry is PACKET_UNEXPECTED.',
      '   */',
      '  readonly table: { readonly [K in S]: { readonly [event: string]: ReadonlyArray<MachineTransition<S>> } };',
      '}',
    ].join('\n'),
  ];
  for (const [profile, role] of MACHINE_LIST) {
    const machine = spec.profiles[profile].machines[role];
    const constName = `${profile.toUpperCase()}_${role.toUpperCase()}_MACHINE`;
    const typeName = `${pascal(profile)}${pascal(role)}`;
    const value = {
      section: machine.section,
      initial: machine.initial,
      states: Object.keys(machine.states),
      table: machineTable(machine),
    };
    parts.push(
      [
        doc(`The ${profile} ${role} state machine (section ${machine.section}).`),
        decl(`export const ${constName} = `, value, ' as const satisfies MachineDef;'),
        '',
        `export type ${typeName}State = (typeof ${constName}.states)[number];`,
        `export type ${typeName}Event = {`,
        `  [S in ${typeName}State]: keyof (typeof ${constName}.table)[S];`,
        `}[${typeName}State];`,
      ].join('\n'),
    );
  }
  const all = Object.fromEntries(
    MACHINE_LIST.map(([p, r]) => [`${p}/${r}`, raw(`${p.toUpperCase()}_${r.toUpperCase()}_MACHINE`)]),
  );
  parts.push(
    [
      doc('Every machine, keyed `profile/role`.'),
      decl(`export const MACHINES = `, all, ' as const satisfies Readonly<Record<string, MachineDef>>;'),
      '',
      'export type MachineName = keyof typeof MACHINES;',
    ].join('\n'),
  );
  return tsFile(parts);
}

// ---------------------------------------------------------------------------------------------------------
// spec/PROTOCOL.md

/** GitHub's heading anchor. */
function slug(title) {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Markdown words that must not start a line (they would start a list, quote, heading or table). */
const mdSafeStart = (word) => !/^(?:[-+*]|#{1,6}|\d{1,9}[.)]|[>|=].*)$/.test(word);

const cell = (text) =>
  String(text)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');
const code = (text) => (String(text).includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

class MarkdownDoc {
  constructor() {
    this.lines = [];
    this.headings = [];
    this.slugs = new Map();
  }

  heading(level, title) {
    const base = slug(title);
    const n = this.slugs.get(base) ?? 0;
    this.slugs.set(base, n + 1);
    const anchor = n === 0 ? base : `${base}-${n}`;
    this.headings.push({ level, title, anchor });
    this.block(`${'#'.repeat(level)} ${title}`);
    return anchor;
  }

  block(text) {
    if (this.lines.length && this.lines[this.lines.length - 1] !== '') this.lines.push('');
    this.lines.push(text, '');
  }

  paragraph(text, prefix = '') {
    const lines = wrap(text, WIDTH - prefix.length, { safeStart: mdSafeStart });
    this.block(lines.map((l) => `${prefix}${l}`.trimEnd()).join('\n'));
  }

  list(items, { ordered = false } = {}) {
    const out = [];
    items.forEach((item, i) => {
      const marker = ordered ? `${i + 1}. ` : '- ';
      const lines = wrap(item, WIDTH - marker.length, { safeStart: mdSafeStart });
      out.push(`${marker}${lines[0]}`, ...lines.slice(1).map((l) => `${' '.repeat(marker.length)}${l}`));
    });
    this.block(out.join('\n'));
  }

  table(headers, rows) {
    const out = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`];
    for (const row of rows) out.push(`| ${row.map(cell).join(' | ')} |`);
    this.block(out.join('\n'));
  }

  fence(lang, text) {
    this.block(`\`\`\`${lang}\n${text}\n\`\`\``);
  }

  toString() {
    while (this.lines.length && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return this.lines.join('\n');
  }
}

/** Splits "6.1 Foo. 6.2 Bar." into ["6.1 Foo.", "6.2 Bar."]. */
function splitNumbered(text) {
  return text.split(/(?<=\.)\s+(?=\d+\.\d+ )/);
}

/** "3.1 Foo" -> "**3.1** Foo". */
function boldNumber(text) {
  return text.replace(/^(\d+(?:\.\d+)+) /, '**$1** ');
}

const yesNo = (b) => (b ? 'yes' : 'no');
const DIRECTION = { s2c: 'server → client', c2s: 'client → server', both: 'both ways' };

function mostCommonTopSection(sections) {
  const counts = new Map();
  for (const s of sections) counts.set(topSection(s), (counts.get(topSection(s)) ?? 0) + 1);
  let best = null;
  for (const [id, n] of counts) if (best === null || n > counts.get(best)) best = id;
  return best;
}

/** The type and constraints of a field, for the packet reference. */
function describeField(desc) {
  const c = [];
  let type;
  switch (desc.kind) {
    case 'literal':
      type = `literal ${code(JSON.stringify(desc.value))}`;
      break;
    case 'string':
      type = 'string';
      if (desc.minLength !== undefined && desc.maxLength !== undefined) {
        c.push(`${desc.minLength} to ${desc.maxLength} characters`);
      } else if (desc.minLength !== undefined) c.push(`at least ${desc.minLength} characters`);
      else if (desc.maxLength !== undefined) c.push(`at most ${desc.maxLength} characters`);
      break;
    case 'integer':
      type = 'integer';
      if (desc.min !== undefined) c.push(`≥ ${desc.min}`);
      if (desc.max !== undefined) c.push(`≤ ${desc.max}`);
      break;
    case 'boolean':
      type = 'boolean';
      break;
    case 'bytes':
      type = 'bytes (base64)';
      if (desc.size !== undefined) c.push(`exactly ${desc.size} bytes`);
      if (desc.maxSize !== undefined) c.push(`at most ${desc.maxSize} bytes`);
      break;
    case 'enum':
      type = 'string';
      c.push(`one of ${desc.values.map(code).join(', ')}`);
      break;
    case 'array': {
      const inner = describeField(desc.items);
      type = `array of ${inner.type}`;
      if (desc.minItems !== undefined && desc.maxItems !== undefined) {
        c.push(`${desc.minItems} to ${desc.maxItems} items`);
      } else if (desc.minItems !== undefined) c.push(`at least ${desc.minItems} items`);
      else if (desc.maxItems !== undefined) c.push(`at most ${desc.maxItems} items`);
      if (inner.constraints && desc.items.kind !== 'object') c.push(`each ${inner.constraints}`);
      break;
    }
    case 'object':
      type = 'object';
      break;
  }
  return { type, constraints: c.join('; ') };
}

/** Table rows for a field map; nested objects become `a.b` and `a[].b` rows. */
function fieldRows(fields, prefix = '') {
  const rows = [];
  for (const [name, desc] of Object.entries(fields)) {
    const full = `${prefix}${name}`;
    const { type, constraints } = describeField(desc);
    rows.push([code(full), type, constraints, desc.optional ? 'no' : 'yes']);
    if (desc.kind === 'object') rows.push(...fieldRows(desc.fields, `${full}.`));
    if (desc.kind === 'array' && desc.items.kind === 'object')
      rows.push(...fieldRows(desc.items.fields, `${full}[].`));
  }
  return rows;
}

function mermaid(machine) {
  const lines = ['stateDiagram-v2', `  [*] --> ${machine.initial}`];
  const edges = new Map();
  for (const t of machine.transitions) {
    const key = `${t.from} --> ${t.to}`;
    // Mermaid ends a label at a colon, so `send:X` is drawn as `send X`.
    const event = t.on.replace(/^send:/, 'send ');
    const label = t.when ? `${event} [${t.when}]` : event;
    const list = edges.get(key) ?? [];
    if (!list.includes(label)) list.push(label);
    edges.set(key, list);
  }
  const withEdges = new Set([machine.initial]);
  for (const t of machine.transitions) withEdges.add(t.from).add(t.to);
  for (const state of Object.keys(machine.states)) if (!withEdges.has(state)) lines.push(`  ${state}`);
  for (const [key, labels] of edges) lines.push(`  ${key}: ${labels.join(', ')}`);
  const hasExit = new Set(machine.transitions.map((t) => t.from));
  for (const state of Object.keys(machine.states)) if (!hasExit.has(state)) lines.push(`  ${state} --> [*]`);
  return lines.join('\n');
}

function genProtocol(spec) {
  const { v2, legacy } = spec.profiles;
  const md = new MarkdownDoc();
  const blocks = new Map();
  const appendix = [];
  const sectionIds = new Set(spec.sections.map((s) => s.id));
  const attach = (id, render) => {
    if (id !== null && sectionIds.has(id)) {
      if (!blocks.has(id)) blocks.set(id, []);
      blocks.get(id).push(render);
    } else appendix.push(render);
  };

  // Framing.
  attach(topSection(spec.framing.section), () => {
    for (const t of spec.framing.text) md.paragraph(boldNumber(t));
    md.heading(3, 'Header grammar');
    md.fence('abnf', spec.framing.grammar);
    md.paragraph(
      `The header is exactly ${spec.framing.headerSize} bytes. As a regular expression over its ASCII text: ` +
        `${code(spec.framing.headerRegex)}.`,
    );
    md.heading(3, 'Decoding outcomes');
    md.table(
      ['Case', 'Input', 'Outcome', 'Notes'],
      spec.framing.outcomes.map((o) => [o.id, o.input, o.code === null ? 'clean end' : code(o.code), o.text]),
    );
  });

  // v2 handshake and crypto.
  attach(topSection(v2.section), () => {
    md.heading(3, 'The v2 profile');
    md.list([
      `Protocol id: ${code(v2.protocolId)}.`,
      `Default profile: ${yesNo(v2.default)}. Secure: ${yesNo(v2.secure)}.`,
      `Encoding: ${v2.encoding}`,
    ]);
    md.heading(3, 'Handshake steps');
    md.list(v2.handshake.map(boldNumber));
    md.heading(3, 'Key agreement groups');
    md.paragraph('Offered in this order:');
    md.table(
      ['Group', 'Section', 'Share', 'Private value', 'Notes'],
      v2.crypto.groups.map((g) => [
        code(g.name),
        g.section,
        `${g.shareBytes} bytes`,
        g.privateBytes === undefined ? '' : `${g.privateBytes} bytes`,
        g.text,
      ]),
    );
    for (const g of v2.crypto.groups.filter((x) => x.primeHex)) {
      md.paragraph(
        `${code(g.name)} prime p (hexadecimal)` +
          (g.generator === undefined ? ':' : `, generator g = ${g.generator}:`),
      );
      md.fence('text', g.primeHex.match(/.{1,64}/g).join('\n'));
    }
    const kdf = v2.crypto.kdf;
    md.heading(3, 'Key derivation');
    md.paragraph(`Section ${kdf.section}. Hash: ${kdf.hash}. ${kdf.text}`);
    const what = {
      c2sKey: 'client → server key',
      c2sIv: 'client → server IV',
      s2cKey: 'server → client key',
      s2cIv: 'server → client IV',
    };
    md.table(
      ['Output', 'Label (HKDF info)', 'Length'],
      Object.entries(kdf.labels).map(([k, label]) => [
        `${what[k]} (${code(k)})`,
        code(label),
        `${k.endsWith('Key') ? kdf.keyBytes : kdf.ivBytes} bytes`,
      ]),
    );
    const id = v2.crypto.identity;
    md.heading(3, 'Server identity');
    md.paragraph(`Algorithm: ${id.algorithm}. Signature context: ${code(id.signatureContext)}.`);
    for (const t of splitNumbered(id.text)) md.paragraph(boldNumber(t));
  });

  attach(topSection(v2.crypto.record.section), () => {
    const rec = v2.crypto.record;
    md.heading(3, 'Record layer');
    md.paragraph(`Cipher: ${rec.cipher}, ${rec.tagBytes}-byte tag.`);
    for (const t of splitNumbered(rec.text)) md.paragraph(boldNumber(t));
  });

  attach(topSection(v2.names.section), () => {
    md.heading(3, `v2 names (${v2.names.section})`);
    md.paragraph(v2.names.text);
    md.list([
      `Pattern (JavaScript, \`u\` flag): ${code(v2.names.pattern)}`,
      `Reserved: ${v2.names.reserved.map(code).join(', ')}`,
      `Case-insensitive: ${yesNo(v2.names.caseInsensitive)}`,
    ]);
  });

  attach(mostCommonTopSection(v2.packets.map((p) => p.section)), () => {
    md.heading(3, 'v2 packet reference');
    md.paragraph(
      'Every packet is a JSON object with a `type` field and exactly the fields listed for its type. ' +
        'Byte strings are standard base64 with padding.',
    );
    const anchors = new Map(v2.packets.map((p) => [p.type, slug(`\`${p.type}\``)]));
    md.table(
      ['Type', 'Direction', 'Encrypted', 'Section', 'Meaning'],
      v2.packets.map((p) => [
        `[${code(p.type)}](#${anchors.get(p.type)})`,
        DIRECTION[p.direction],
        yesNo(p.encrypted),
        p.section,
        p.text,
      ]),
    );
    for (const p of v2.packets) {
      md.heading(4, code(p.type));
      md.paragraph(
        `**${DIRECTION[p.direction]}**, ${p.encrypted ? 'encrypted' : 'plaintext'}, section ${p.section}. ${p.text}`,
      );
      md.table(
        ['Field', 'Type', 'Constraints', 'Required'],
        [[code('type'), `literal ${code(JSON.stringify(p.type))}`, '', 'yes'], ...fieldRows(p.fields)],
      );
    }
  });

  // legacy.
  attach(topSection(legacy.section), () => {
    const box = ['> [!CAUTION]', '> **INSECURE.** The legacy profile has these known weaknesses:', '>'];
    for (const item of legacy.insecure) {
      const lines = wrap(item, WIDTH - 4, { safeStart: mdSafeStart });
      box.push(`> - ${lines[0]}`, ...lines.slice(1).map((l) => `>   ${l}`));
    }
    md.block(box.join('\n'));
    md.paragraph(
      `The legacy profile. Default profile: ${yesNo(legacy.default)}. Secure: ${yesNo(legacy.secure)}.`,
    );
    md.heading(3, 'Mitigations');
    md.list(legacy.mitigations);
    const c = legacy.crypto;
    md.heading(3, 'legacy crypto');
    md.list([
      `Group: ${code(c.group)} (its parameters are listed with the v2 groups).`,
      `Key: ${c.kdf}`,
      `Cipher: ${c.cipher}, ${c.ivBytes}-byte IV.`,
      `Key used before the exchange ends: SHA-256 of ${code(c.noneKeyText)}.`,
    ]);
    for (const t of splitNumbered(c.text)) md.paragraph(boldNumber(t));
  });

  attach(topSection(legacy.packetObject.section), () => {
    const po = legacy.packetObject;
    md.heading(3, `legacy packet object (${po.section})`);
    md.paragraph(po.text);
    const types = {
      cont: 'string, or array of (string or null)',
      shouldParseContents: 'boolean',
    };
    md.table(
      ['#', 'Key', 'JSON type'],
      po.keyOrder.map((k, i) => [String(i + 1), code(k), types[k] ?? 'string']),
    );
    md.paragraph(
      `The server's name: ${code(po.serverName)}. A client's name during the key exchange: ${code(po.tempName)}.`,
    );
    md.heading(3, 'legacy packets');
    md.table(
      ['typ', 'Direction', 'Encrypted', 'cont', 'Section', 'Meaning'],
      legacy.packets.map((p) => [
        code(p.typ),
        DIRECTION[p.direction],
        yesNo(p.encrypted),
        p.cont,
        p.section,
        p.text,
      ]),
    );
    md.heading(3, 'legacy fixed texts');
    md.table(
      ['Use', 'Text'],
      [
        ...Object.entries(legacy.messages).map(([k, v]) => [k, code(v)]),
        ['export header', code(legacy.exportHeader)],
      ],
    );
    md.heading(3, `legacy names (${legacy.names.section})`);
    md.paragraph(legacy.names.text);
    md.list([
      `Pattern (JavaScript): ${code(legacy.names.pattern)}`,
      `Reserved: ${legacy.names.reserved.map(code).join(', ')}`,
      `Case-insensitive: ${yesNo(legacy.names.caseInsensitive)}`,
    ]);
  });

  // Limits, errors, machines.
  attach(mostCommonTopSection(spec.limits.map((l) => l.section)), () => {
    md.table(
      ['Limit', 'Default', 'Min', 'Max', 'Unit', 'Meaning'],
      spec.limits.map((l) => [code(l.name), l.default, l.min, l.max, l.unit, l.text]),
    );
  });

  const errorSection = spec.sections.find((s) => /error codes/i.test(s.title));
  attach(errorSection ? errorSection.id : null, () => {
    md.table(
      ['Code', 'Fatal', 'Section', 'Meaning'],
      spec.errors.map((e) => [code(e.code), yesNo(e.fatal), e.section, e.text]),
    );
  });

  for (const [profile, role] of MACHINE_LIST) {
    const m = spec.profiles[profile].machines[role];
    attach(topSection(m.section), () => {
      md.heading(3, `${m.section} ${profile} ${role}`);
      const intro = [`Initial state: ${code(m.initial)}.`];
      if (m.onOpen) intro.push(`On open: ${m.onOpen}.`);
      intro.push('An event is a packet received, or `send:X` when this side sends packet X.');
      md.paragraph(intro.join(' '));
      md.table(
        ['State', 'Meaning'],
        Object.entries(m.states).map(([s, t]) => [code(s), t]),
      );
      md.table(
        ['From', 'Event', 'When', 'To', 'Does'],
        m.transitions.map((t) => [code(t.from), code(t.on), t.when ?? '', code(t.to), t.does]),
      );
      md.fence('mermaid', mermaid(m));
    });
  }

  // The document.
  for (const s of spec.sections) {
    md.heading(2, `${s.id}. ${s.title}`);
    md.paragraph(s.text);
    for (const render of blocks.get(s.id) ?? []) render();
  }
  if (appendix.length) {
    md.heading(2, 'Appendix');
    for (const render of appendix) render();
  }

  const toc = [];
  for (const h of md.headings) {
    if (h.level === 2) toc.push(`- [${h.title}](#${h.anchor})`);
    else if (h.level === 3) toc.push(`  - [${h.title}](#${h.anchor})`);
  }
  const head = new MarkdownDoc();
  head.block(`# ${spec.name} protocol ${spec.version}`);
  head.block(
    `<!--\n  Generated from ${SPEC_NAME} by scripts/gen.mjs. Do not edit by hand:\n` +
      '  edit the spec and run `npm run gen`.\n-->',
  );
  head.paragraph(
    `This document is generated from [\`parley.spec.json\`](parley.spec.json), the machine-readable spec, ` +
      'which is the source of truth.',
    '> ',
  );
  head.paragraph(spec.summary);
  head.paragraph(`Version ${spec.version}. Default TCP port: ${spec.defaultPort}.`);
  head.block('## Conventions');
  head.list(spec.conventions);
  head.block('## Contents');
  head.block(toc.join('\n'));
  return `${head.toString()}\n\n${md.toString()}\n`;
}

// ---------------------------------------------------------------------------------------------------------
// Driver

/** Every generated file for a valid spec: relative path -> content. */
export function generate(spec) {
  const jsonSchema = z.toJSONSchema(specFormat);
  return new Map([
    ['spec/spec.schema.json', `${JSON.stringify(jsonSchema, null, 2)}\n`],
    ['src/generated/constants.ts', genConstants(spec)],
    ['src/generated/errors.ts', genErrors(spec)],
    ['src/generated/v2-packets.ts', genV2Packets(spec)],
    ['src/generated/legacy-packets.ts', genLegacyPackets(spec)],
    ['src/generated/machines.ts', genMachines(spec)],
    ['spec/PROTOCOL.md', genProtocol(spec)],
  ]);
}

/** Reads, validates and cross-checks a spec. Returns `{ spec }` or `{ errors }`. */
export function loadSpec(file) {
  let raw;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { errors: [`${file}: ${e.message}`] };
  }
  const { spec, errors } = validateFormat(raw);
  if (errors.length) return { errors };
  const refErrors = checkReferences(spec);
  if (refErrors.length) return { errors: refErrors };
  return { spec };
}

function parseArgs(argv) {
  const opts = { check: false, spec: path.join(ROOT, SPEC_NAME), out: ROOT };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') opts.check = true;
    else if (arg === '--spec' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      opts[arg.slice(2)] = path.resolve(value);
    } else if (arg === '--help' || arg === '-h') opts.help = true;
    else throw new Error(`unknown argument ${JSON.stringify(arg)}`);
  }
  return opts;
}

/** Runs the generator; returns the exit code. */
export function main(argv, log = console.log, logError = console.error) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    logError(`gen: ${e.message}`);
    return 2;
  }
  if (opts.help) {
    log('usage: node scripts/gen.mjs [--check] [--spec PATH] [--out DIR]');
    return 0;
  }
  const { spec, errors } = loadSpec(opts.spec);
  if (!spec) {
    const shown = path.relative(process.cwd(), opts.spec);
    logError(`gen: ${shown.startsWith('..') ? opts.spec : shown} is not a valid spec:`);
    for (const e of errors) logError(`  - ${e}`);
    return 1;
  }
  const files = generate(spec);
  if (opts.check) {
    const stale = [];
    for (const [rel, content] of files) {
      const file = path.join(opts.out, rel);
      if (!existsSync(file)) stale.push(`${rel} (missing)`);
      else if (readFileSync(file, 'utf8') !== content) stale.push(`${rel} (out of date)`);
    }
    if (stale.length) {
      logError('gen: generated files are not up to date with the spec:');
      for (const s of stale) logError(`  - ${s}`);
      logError('Run `npm run gen` to update them.');
      return 1;
    }
    log(`gen: all ${files.size} generated files are up to date.`);
    return 0;
  }
  for (const [rel, content] of files) {
    const file = path.join(opts.out, rel);
    const same = existsSync(file) && readFileSync(file, 'utf8') === content;
    if (!same) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    log(`${same ? 'unchanged' : 'wrote    '} ${rel}`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
