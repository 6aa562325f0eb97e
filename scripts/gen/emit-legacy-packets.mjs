// Emitter for src/generated/legacy-packets.ts: the legacy packet object schema and the typ values.

import { decl, doc, objectExpr, tsFile } from './ts.mjs';

const LEGACY_KEY_SCHEMAS = {
  shost: 'z.string()',
  dhost: 'z.string()',
  username: 'z.string()',
  date: 'z.string()',
  cont: 'z.union([z.string(), z.array(z.string().nullable())])',
  typ: 'z.string()',
  shouldParseContents: 'z.boolean()',
};

export function genLegacyPackets(spec) {
  const { legacy } = spec.profiles;
  const entries = legacy.packetObject.keyOrder.map((k) => [k, LEGACY_KEY_SCHEMAS[k]]);
  const info = Object.fromEntries(
    legacy.packets.map((p) => [
      p.typ,
      {
        direction: p.direction,
        encrypted: p.encrypted,
        section: p.section,
        cont: p.cont,
        ...(p.rateCost === undefined ? {} : { rateCost: p.rateCost }),
      },
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
      "  /** Tokens the packet takes from its connection's rate bucket (7.8); client packets only. */",
      '  readonly rateCost?: number;',
      '}',
      '',
      decl(`export const LEGACY_PACKET_INFO: Readonly<Record<LegacyTyp, LegacyPacketInfo>> = `, info, ';'),
    ].join('\n'),
  ]);
}
