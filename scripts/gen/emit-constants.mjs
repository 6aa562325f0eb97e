// Emitter for src/generated/constants.ts: spec version, port, framing, limits, v2 crypto and names, and
// the legacy constants.

import { decl, doc, q, raw, regexLiteral, tsFile } from './ts.mjs';

/** A NameRules constant for one profile's `names`. */
function nameRules(prefix, names) {
  return [
    `export const ${prefix}_NAME_RULES: NameRules = {`,
    `  pattern: ${prefix}_NAME_PATTERN,`,
    `  reserved: ${prefix}_RESERVED_NAMES,`,
    `  compare: ${q(names.compare)},`,
    `  invalid: ${q(names.invalid)},`,
    '};',
  ].join('\n');
}

/**
 * A `u`-flag RegExp built from `source` split over lines: the v2 name pattern with its
 * General_Category classes written out (scripts/gen/emit-unicode.mjs) is too long for one.
 */
function longRegex(source, width = 96) {
  const parts = [];
  for (let i = 0; i < source.length; i += width) parts.push(`  ${q(source.slice(i, i + width))}`);
  return `new RegExp(\n  [\n${parts.map((p) => `  ${p}`).join(',\n')},\n  ].join(''),\n  'u',\n)`;
}

/**
 * src/generated/constants.ts. `v2NamePattern` is the spec's v2 name pattern with its Unicode
 * classes expanded from the pinned data (spec 7.2); without it the spec's own text is used.
 */
export function genConstants(spec, v2NamePattern) {
  const { v2, legacy } = spec.profiles;
  const limits = Object.fromEntries(spec.limits.map((l) => [l.name, l.default]));
  const limitInfo = Object.fromEntries(
    spec.limits.map((l) => [
      l.name,
      {
        default: l.default,
        min: l.min,
        max: l.max,
        unit: l.unit,
        ...(l.serverFlag === undefined ? {} : { serverFlag: l.serverFlag }),
        text: l.text,
      },
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
  const userLeft = v2.packets.find((p) => p.type === 'user_left');
  const leaveReasons = { section: userLeft.section, values: userLeft.fields.reason.values };
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
      doc('The wire profiles (section 2).'),
      decl(`export const PROFILES = `, Object.keys(spec.profiles), ' as const;'),
      '',
      'export type Profile = (typeof PROFILES)[number];',
      '',
      doc('Severities of a log line, most severe first.'),
      decl(`export const LOG_LEVELS = `, spec.logLevels, ' as const;'),
      '',
      'export type LogLevel = (typeof LOG_LEVELS)[number];',
    ].join('\n'),
    [
      doc(
        `The largest length a ${spec.framing.headerSize}-digit header can announce (section ${spec.framing.section}).`,
      ),
      `export const MAX_HEADER_LENGTH = ${'9'.repeat(spec.framing.headerSize).replace(/\B(?=(\d{3})+$)/g, '_')};`,
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
      "  /** The reference server's option that sets it, e.g. `--max-clients`. */",
      '  readonly serverFlag?: string;',
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
      ...(v2.crypto.identity.clientSignatureContext === undefined
        ? []
        : [
            doc("The context string of a client's signature over the transcript (feature client-key, 7.16)."),
            `export const V2_CLIENT_SIGNATURE_CONTEXT = ${q(v2.crypto.identity.clientSignatureContext)};`,
            '',
          ]),
      doc(
        `Allowed user names (section ${v2.names.section}); lengths are checked against maxName. The spec's ` +
          `\`${v2.names.pattern}\` with its classes written out from the pinned Unicode data, not the engine's.`,
      ),
      `export const V2_NAME_PATTERN = ${v2NamePattern === undefined ? regexLiteral(v2.names.pattern, 'u') : longRegex(v2NamePattern)};`,
      '',
      doc('Reserved names, compared by the name key (section 7.2).'),
      decl(`export const V2_RESERVED_NAMES = `, v2.names.reserved, ' as const;'),
      '',
      doc(`The v2 name rules (section ${v2.names.section}).`),
      nameRules('V2', v2.names),
      '',
      doc(`Why a member leaves, as \`user_left.reason\` carries it (section ${leaveReasons.section}).`),
      decl(`export const LEAVE_REASONS = `, leaveReasons.values, ' as const;'),
      '',
      'export type LeaveReason = (typeof LEAVE_REASONS)[number];',
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
      `export const LEGACY_NAME_PATTERN = ${regexLiteral(legacy.names.pattern, 'u')};`,
      '',
      doc('Reserved names, compared exactly.'),
      decl(`export const LEGACY_RESERVED_NAMES = `, legacy.names.reserved, ' as const;'),
      '',
      doc(`The legacy name rules (section ${legacy.names.section}).`),
      nameRules('LEGACY', legacy.names),
      '',
      doc(
        'The `typ` values a client sends once the key exchange is over; any other counts as `default` (10.3).',
      ),
      decl(
        `export const LEGACY_CLIENT_TYPS = `,
        legacy.packets.filter((p) => p.direction !== 's2c' && p.encrypted !== false).map((p) => p.typ),
        ' as const;',
      ),
      '',
      'export type LegacyClientTyp = (typeof LEGACY_CLIENT_TYPS)[number];',
    ].join('\n'),
    [
      '// both profiles',
      '',
      'export interface NameRules {',
      '  /** What a name must match; lengths are checked against maxName. */',
      '  readonly pattern: RegExp;',
      '  readonly reserved: readonly string[];',
      '  /**',
      "   * 'uts39': NFC, the Unicode UTS #39 identifier rules, and comparison by skeleton key (7.2);",
      "   * 'keys': names are taken as sent and compared by the keys of 7.2 (10.2); 'exact': as sent.",
      '   * src/chat/name-rules.ts applies them.',
      '   */',
      "  readonly compare: 'uts39' | 'keys' | 'exact';",
      '  /** What a refusal says when a name does not match the pattern. */',
      '  readonly invalid: string;',
      '}',
    ].join('\n'),
  ]);
}
