// The format of spec/parley.spec.json, as a zod 4 schema.
//
// scripts/gen.mjs validates the spec against it before generating anything, and writes its JSON Schema
// (z.toJSONSchema) to spec/spec.schema.json so that editors can check the spec as it is written.
// Every object is strict: an unknown key (a typo) is an error. Cross-references between parts of the
// spec (states, packet types, error codes) are checked by scripts/gen.mjs, not here.

import { z } from 'zod';

/** A section number such as `3`, `5.2` or `13.1`. */
export const sectionId = z
  .string()
  .regex(/^[1-9][0-9]*(\.[1-9][0-9]*)*$/, 'a section number such as 3 or 5.2')
  .describe('A section number such as `3` or `5.2`.');

const text = z.string().min(1);
const count = z.int().min(0);
const positive = z.int().min(1);
const identifier = z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'a camelCase identifier');
const snakeName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case name');
const upperName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an UPPER_SNAKE_CASE name');

/** An error code such as `FRAME_TOO_LARGE`. */
export const errorCode = upperName.describe('A stable error code such as `FRAME_TOO_LARGE`.');

/** `s2c` (server to client), `c2s` (client to server) or `both`. */
export const direction = z.enum(['s2c', 'c2s', 'both']);

const optional = { optional: z.boolean().optional().describe('The field may be absent.') };

const bytesField = z
  .strictObject({
    kind: z.literal('bytes'),
    size: positive.optional().describe('Exact decoded length in bytes.'),
    maxSize: positive.optional().describe('Largest decoded length in bytes.'),
    ...optional,
  })
  .refine((f) => f.size === undefined || f.maxSize === undefined, {
    message: 'a bytes field has size or maxSize, not both',
  })
  .describe('A byte string, carried in JSON as standard base64 with padding.');

const stringField = z
  .strictObject({
    kind: z.literal('string'),
    minLength: count.optional(),
    maxLength: count.optional(),
    pattern: text
      .optional()
      .describe('A regular expression (JavaScript, no flags) the whole string must match.'),
    ...optional,
  })
  .refine((f) => f.minLength === undefined || f.maxLength === undefined || f.minLength <= f.maxLength, {
    message: 'minLength is greater than maxLength',
  });

const integerField = z
  .strictObject({
    kind: z.literal('integer'),
    min: z.int().optional(),
    max: z.int().optional(),
    ...optional,
  })
  .refine((f) => f.min === undefined || f.max === undefined || f.min <= f.max, {
    message: 'min is greater than max',
  });

const arrayField = z
  .strictObject({
    kind: z.literal('array'),
    get items() {
      return fieldDescriptor;
    },
    minItems: count.optional(),
    maxItems: count.optional(),
    unique: z.boolean().optional().describe('No two items may be equal.'),
    ...optional,
  })
  .refine((f) => f.minItems === undefined || f.maxItems === undefined || f.minItems <= f.maxItems, {
    message: 'minItems is greater than maxItems',
  });

const objectField = z.strictObject({
  kind: z.literal('object'),
  get fields() {
    return fieldMap;
  },
  ...optional,
});

/** The type of one field of a v2 packet. */
export const fieldDescriptor = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('literal'),
      value: z.union([z.string(), z.number(), z.boolean()]),
      ...optional,
    }),
    stringField,
    integerField,
    z.strictObject({ kind: z.literal('boolean'), ...optional }),
    bytesField,
    z.strictObject({
      kind: z.literal('enum'),
      values: z.array(z.string().min(1)).min(1),
      ...optional,
    }),
    arrayField,
    objectField,
  ])
  .meta({ id: 'FieldDescriptor', description: 'The type of one field of a v2 packet.' });

/** Field name -> descriptor. */
export const fieldMap = z
  .record(identifier, fieldDescriptor)
  .meta({ id: 'FieldMap', description: 'Field name -> descriptor.' });

const section = z.strictObject({
  id: sectionId,
  title: text,
  text,
});

const framingOutcome = z.strictObject({
  id: z.string().regex(/^[1-9][0-9]*(\.[1-9][0-9]*)*\/[1-9][0-9]*$/, 'SECTION/N, e.g. 3.2/1'),
  input: text,
  code: errorCode.nullable().describe('The error code, or null for a clean outcome.'),
  text,
});

const framing = z.strictObject({
  section: sectionId,
  headerSize: positive,
  text: z.array(text).min(1),
  grammar: text,
  headerRegex: text,
  outcomes: z.array(framingOutcome).min(1),
});

const limit = z
  .strictObject({
    name: identifier,
    default: count,
    min: count,
    max: count,
    unit: z.enum([
      'bytes',
      'characters',
      'connections',
      'connections/s',
      'entries',
      'ms',
      'packets',
      'packets/s',
      'lines',
      'lines/s',
      'days',
      'rooms',
    ]),
    section: sectionId,
    /** The reference server's command-line option that sets it, when it has one. */
    serverFlag: z
      .string()
      .regex(/^--[a-z][a-z0-9-]*$/, 'a long option such as --max-clients')
      .optional(),
    text,
  })
  .refine((l) => l.min <= l.default && l.default <= l.max, {
    message: 'the default is not within min..max',
  });

const errorEntry = z.strictObject({
  code: errorCode,
  fatal: z.boolean(),
  section: sectionId,
  text,
});

const names = z.strictObject({
  section: sectionId,
  pattern: text.describe('A JavaScript regular expression source.'),
  reserved: z.array(text),
  compare: z
    .enum(['uts39', 'keys', 'exact'])
    .describe(
      'uts39: NFC, the UTS #39 identifier rules and comparison by skeleton key (spec 7.2); keys: taken as sent, compared by the keys of 7.2 (10.2); exact: as sent.',
    ),
  invalid: text.describe('What a refusal says when a name does not match the pattern.'),
  text,
});

const transition = z.strictObject({
  from: upperName,
  on: z
    .string()
    .regex(/^(send:)?[a-z][a-z0-9_]*$/, 'a packet type, send:TYPE or a local event')
    .describe('A packet received, `send:X` (the role sends packet X), or a local event.'),
  when: snakeName.optional().describe('A guard; transitions on the same event from one state differ by it.'),
  to: upperName,
  does: text,
});

const machine = z.strictObject({
  section: sectionId,
  initial: upperName,
  onOpen: text.optional(),
  states: z.record(upperName, text),
  transitions: z.array(transition).min(1),
});

const machines = z.strictObject({ server: machine, client: machine });

const group = z.strictObject({
  name: snakeName,
  section: sectionId,
  shareBytes: positive,
  generator: positive.optional(),
  primeHex: z
    .string()
    .regex(/^[0-9A-F]+$/, 'upper-case hexadecimal')
    .optional(),
  privateBytes: positive.optional(),
  text,
});

/**
 * Tokens a packet from a client takes from its connection's rate bucket (7.8): every encrypted
 * packet a client may send has one, and no other packet does.
 */
const rateCost = count.optional();
const costRule = [
  (p) => (p.rateCost !== undefined) === (p.encrypted && p.direction !== 's2c'),
  { message: 'an encrypted packet a client may send has a rateCost, and no other packet has one' },
];

const v2Packet = z
  .strictObject({
    type: snakeName,
    direction,
    encrypted: z.boolean(),
    section: sectionId,
    rateCost,
    text,
    fields: fieldMap,
  })
  .refine(...costRule);

/** One row of the v2 feature registry (5.8). */
const feature = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'a feature name: a-z, 0-9 and -, starting with a letter, at most 32')
    .describe('The name listed in `features` of both hellos.'),
  section: sectionId,
  packets: z
    .array(snakeName)
    .describe('The packet types the feature adds: sent only on a connection that agreed the feature.'),
  text,
});

const v2Profile = z.strictObject({
  section: sectionId,
  default: z.boolean(),
  secure: z.boolean(),
  protocolId: text,
  encoding: text,
  crypto: z.strictObject({
    groups: z.array(group).min(1),
    kdf: z.strictObject({
      section: sectionId,
      hash: z.enum(['sha256']),
      text,
      labels: z.strictObject({ c2sKey: text, c2sIv: text, s2cKey: text, s2cIv: text }),
      keyBytes: positive,
      ivBytes: positive,
    }),
    record: z.strictObject({
      section: sectionId,
      cipher: text,
      tagBytes: positive,
      text,
    }),
    identity: z.strictObject({
      section: sectionId,
      algorithm: text,
      signatureContext: text,
      /** The context of a client's proof of its key (feature client-key, 7.16). */
      clientSignatureContext: text.optional(),
      text,
    }),
  }),
  handshake: z.array(text).min(1),
  features: z
    .strictObject({ section: sectionId, text: z.array(text).min(1), registry: z.array(feature) })
    .describe('The version rule (5.8) and the features of this minor version, each with its packets.'),
  packets: z.array(v2Packet).min(1),
  names,
  machines,
});

const legacyPacket = z
  .strictObject({
    typ: snakeName,
    direction,
    encrypted: z.boolean(),
    section: sectionId,
    rateCost,
    cont: z.enum(['string', 'list']),
    text,
  })
  .refine(...costRule);

const legacyProfile = z.strictObject({
  section: sectionId,
  default: z.boolean(),
  secure: z.boolean(),
  insecure: z.array(text).min(1),
  mitigations: z.array(text),
  crypto: z.strictObject({
    section: sectionId,
    group: snakeName,
    kdf: text,
    cipher: text,
    ivBytes: positive,
    noneKeyText: text,
    text,
  }),
  packetObject: z.strictObject({
    section: sectionId,
    text,
    keyOrder: z.array(z.enum(['shost', 'dhost', 'username', 'date', 'cont', 'typ', 'shouldParseContents'])),
    serverName: text,
    tempName: text,
  }),
  packets: z.array(legacyPacket).min(1),
  exportHeader: text,
  messages: z.strictObject({ joined: text, taken: text, left: text }),
  names,
  machines,
});

/** The whole spec document. */
export const specFormat = z
  .strictObject({
    $schema: z.string().optional(),
    name: text,
    version: z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+$/, 'MAJOR.MINOR.PATCH'),
    defaultPort: z.int().min(1).max(65535),
    summary: text,
    conventions: z.array(text),
    sections: z.array(section).min(1),
    framing,
    limits: z.array(limit).min(1),
    errors: z.array(errorEntry).min(1),
    logLevels: z
      .array(z.enum(['error', 'warn', 'info', 'debug']))
      .min(1)
      .describe(
        'Severities of an implementation log line, most severe first (4: a fatal error is logged once).',
      ),
    profiles: z.strictObject({ v2: v2Profile, legacy: legacyProfile }),
  })
  .meta({ title: 'Parley protocol spec', description: 'The format of spec/parley.spec.json.' });
