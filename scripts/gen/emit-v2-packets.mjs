// Emitter for src/generated/v2-packets.ts: a zod schema per v2 packet type, the client and server
// unions, the packet types and their info.

import { camel } from './text.mjs';
import { decl, doc, lit, objectExpr, q, raw, regexLiteral, tsFile } from './ts.mjs';

const schemaName = (type) => `${camel(type)}Schema`;

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
      if (desc.pattern !== undefined) e += `.regex(${regexLiteral(desc.pattern)})`;
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
      if (desc.unique) e += ".refine(distinct, { error: 'expected no duplicate items' })";
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
}

/** True when no two items are equal (an array field with \`unique\`). */
function distinct(items: readonly unknown[]): boolean {
  return new Set(items).size === items.length;
}`;

export function genV2Packets(spec) {
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
  const { registry, section: featureSection } = spec.profiles.v2.features;
  const featureInfo = Object.fromEntries(
    registry.map((f) => [f.name, { section: f.section, packets: f.packets }]),
  );
  const packetFeature = Object.fromEntries(registry.flatMap((f) => f.packets.map((t) => [t, f.name])));
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
    [
      'export interface V2FeatureInfo {',
      '  readonly section: string;',
      '  /** The packet types the feature adds: sent only where it is agreed. */',
      '  readonly packets: readonly V2PacketType[];',
      '}',
      '',
      doc(`The feature registry (section ${featureSection}): every feature this spec version defines.`),
      decl(`export const V2_FEATURES: Readonly<Record<string, V2FeatureInfo>> = `, featureInfo, ';'),
      '',
      doc('Every feature name, in spec order.'),
      decl(
        'export const V2_FEATURE_NAMES: readonly string[] = ',
        registry.map((f) => f.name),
        ';',
      ),
      '',
      doc(
        `The feature a packet type belongs to (section ${featureSection}); a type not listed is core 2.0 ` +
          'and needs none.',
      ),
      decl(
        'export const V2_PACKET_FEATURE: Readonly<Partial<Record<V2PacketType, string>>> = ',
        packetFeature,
        ';',
      ),
    ].join('\n'),
  ]);
}
