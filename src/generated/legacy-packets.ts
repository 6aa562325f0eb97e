// Generated from spec/parley.spec.json by scripts/gen.mjs. Do not edit by hand:
// edit the spec and run `npm run gen`.

import { z } from 'zod';

/**
 * The legacy packet object (section 10.1): exactly these keys, in this order (zod outputs keys in schema
 * order, so a parsed packet serialises in wire order). `cont` is a string, or a list of names in which the
 * original may put null. `typ` is any string: an unknown typ is treated as `default`.
 */
export const legacyPacketSchema = z.strictObject({
  shost: z.string(),
  dhost: z.string(),
  username: z.string(),
  date: z.string(),
  cont: z.union([z.string(), z.array(z.string().nullable())]),
  typ: z.string(),
  shouldParseContents: z.boolean(),
});

export type LegacyPacket = z.infer<typeof legacyPacketSchema>;

/** The declared typ values, in spec order. */
export const LEGACY_TYPS = [
  'iv_exc',
  'key_exc',
  'setuser',
  'approved_conn',
  'username_taken',
  'client_list_update_add',
  'disconnection',
  'default',
  'export',
] as const;

export type LegacyTyp = (typeof LEGACY_TYPS)[number];

export interface LegacyPacketInfo {
  readonly direction: 'c2s' | 's2c' | 'both';
  readonly encrypted: boolean;
  readonly section: string;
  /** What `cont` holds: a string, or a list of names. */
  readonly cont: 'string' | 'list';
  /** Tokens the packet takes from its connection's rate bucket (7.8); client packets only. */
  readonly rateCost?: number;
}

export const LEGACY_PACKET_INFO: Readonly<Record<LegacyTyp, LegacyPacketInfo>> = {
  iv_exc: { direction: 's2c', encrypted: false, section: '8.1', cont: 'string' },
  key_exc: { direction: 'both', encrypted: false, section: '8.2', cont: 'string' },
  setuser: { direction: 'c2s', encrypted: true, section: '10.2', cont: 'string', rateCost: 2 },
  approved_conn: { direction: 's2c', encrypted: true, section: '10.2', cont: 'string' },
  username_taken: { direction: 's2c', encrypted: true, section: '10.2', cont: 'string' },
  client_list_update_add: { direction: 's2c', encrypted: true, section: '10.2', cont: 'list' },
  disconnection: { direction: 's2c', encrypted: true, section: '10.4', cont: 'list' },
  default: { direction: 'both', encrypted: true, section: '10.3', cont: 'string', rateCost: 1 },
  export: { direction: 'both', encrypted: true, section: '10.5', cont: 'string', rateCost: 8 },
};
