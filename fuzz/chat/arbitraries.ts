/**
 * The arbitraries that generate chat commands: names and texts around the limits, malformed
 * extra connections, leave garbage, and `commandArbs`, the weighted mix a run draws from.
 * Construction order and shapes matter: artifacts replay by seed and path.
 */
import fc from 'fast-check';
import type { Profile } from '../targets/types.js';
import {
  Advance,
  Away,
  Connect,
  Extra,
  Join,
  Leave,
  Msg,
  type MsgTarget,
  Nick,
  Query,
  Say,
  Whois,
} from './commands.js';
import type { Cmd } from './step.js';
import { type ExtraSpec, type LeaveHow, WATCHER_NAME } from './types.js';

const NAMES = ['alice', 'Bob', 'carol_1', 'd.e-f', 'Émile', 'øyvind', 'kate', 'åse', '42', WATCHER_NAME];
/** Same names to a case-insensitive eye (KELVIN SIGN, ANGSTROM SIGN), and plain case changes. */
const LOOKALIKES = [
  'ALICE',
  'bob',
  'Carol_1',
  'D.E-F',
  'émile',
  'ØYVIND',
  '\u212Aate',
  '\u212Bse',
  'Watcher',
];
const V2_ODD = [
  '',
  ' ',
  'has space',
  'semi;colon',
  'tab\there',
  'e\u0301',
  '\u{1F600}',
  'server',
  'SERVER',
  'Parley',
  'system',
  'a/b',
];
const LEGACY_ODD = [
  '',
  '*server*',
  'temp',
  'TEMP',
  'a\u0001b',
  'del\u007f',
  'has space',
  '\u{1F600}',
  'Temp ',
  'iv_exc',
];

export function nameArb(profile: Profile, maxNames: readonly number[]): fc.Arbitrary<string> {
  const maxName = Math.max(...maxNames);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
    { weight: 3, arbitrary: fc.constantFrom(...LOOKALIKES) },
    { weight: 2, arbitrary: fc.constantFrom(...(profile === 'v2' ? V2_ODD : LEGACY_ODD)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...maxNames), fc.integer({ min: 0, max: 1 }), fc.constantFrom('n', '\u00e9'))
        .map(([n, extra, unit]) => unit.repeat(n + extra)),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: maxName + 2, size: 'max' }) },
  );
}

export function textArb(profile: Profile, maxMessages: readonly number[]): fc.Arbitrary<string> {
  // Lengths at each limit a run may have, in code points of 1 to 4 UTF-8 bytes.
  const around = fc
    .tuple(
      fc.constantFrom(...maxMessages),
      fc.integer({ min: -1, max: 1 }),
      fc.constantFrom('a', '\u{1F600}', '\u00e9'),
    )
    .map(([n, d, unit]) => unit.repeat(Math.max(1, n + d)));
  return fc.oneof(
    { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 24, size: 'max' }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12, size: 'max' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...(profile === 'legacy' ? [''] : []),
        'iv_exc',
        'key_exc hello',
        '{"typ": "setuser"}',
        '{"type":"join","name":"x"}\n{"type":"say"}',
        '\n',
        ' ',
        '\u0000',
        '\ud83d\ude00 pair',
        'a\nb',
      ),
    },
    { weight: 1, arbitrary: around },
    // Long lines, a fraction of a limit: histories that reach the size of a frame.
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...maxMessages),
          fc.integer({ min: 30, max: 100 }),
          fc.constantFrom('a', 'b c ', '\u00e9'),
        )
        .map(([n, percent, unit]) => unit.repeat(Math.max(1, Math.floor((n * percent) / 100 / unit.length)))),
    },
  );
}

const editsArb = fc.array(
  fc.record({
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
    kind: fc.constantFrom<'set' | 'insert' | 'delete'>('set', 'insert', 'delete'),
  }),
  { minLength: 1, maxLength: 3, size: 'max' },
);

/** Plaintext packets for a secured extra connection: broken JSON, wrong types, out-of-state packets. */
const packetsArb = fc
  .array(
    fc.oneof(
      fc.json({ maxDepth: 2 }),
      fc.constantFrom(
        '{"type":"say","text":"hi"}',
        '{"type":"who"}',
        '{"type":"export"}',
        '{"type":"backlog","entries":[],"done":true}',
        '{"type":"nick","name":"alice"}',
        '{"type":"away","reason":"lunch"}',
        '{"type":"back"}',
        '{"type":"whois","name":"alice"}',
        '{"type":"user_renamed","from":"a","to":"b","ts":1}',
        '{"type":"client_hello"}',
        '{"type":"ping","n":-1}',
        '{"type":"ping","n":1}',
        '{"type":"goodbye"}',
        '{"type":"error","code":"NOPE","message":"x","fatal":false}',
        '{"type":"msg","to":"alice","text":""}',
        '{"type":"join","name":7}',
        '{"shost":"0.0.0.0","dhost":"0.0.0.0","username":"x","date":"d","cont":"hi","typ":"default","shouldParseContents":false}',
        '{"shost":"0.0.0.0","dhost":"0.0.0.0","username":"x","date":"d","cont":["a"],"typ":"export","shouldParseContents":true}',
        '',
        '\u00ff\u00fe',
      ),
    ),
    { minLength: 1, maxLength: 3, size: 'max' },
  )
  .map((parts) => Buffer.from(parts.join('\n'), 'utf8'));

export const extraArb: fc.Arbitrary<ExtraSpec> = fc.oneof(
  fc.record({
    stage: fc.constant('fresh' as const),
    source: fc.constant('mutate' as const),
    bytes: fc.constant(new Uint8Array()),
    edits: editsArb,
  }),
  fc.record({
    stage: fc.constantFrom<'fresh' | 'secured'>('fresh', 'secured'),
    source: fc.constant('random' as const),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64, size: 'max' }),
    edits: fc.constant([]),
  }),
  fc.record({
    stage: fc.constant('secured' as const),
    source: fc.constant('packets' as const),
    bytes: packetsArb,
    edits: fc.constant([]),
  }),
  fc.record({
    stage: fc.constant('secured' as const),
    source: fc.constant('mutate' as const),
    bytes: fc.constant(new Uint8Array()),
    edits: editsArb,
  }),
);

/** Garbage a joined client sends to leave in error: always fatal at once (a header byte that is no digit). */
const leaveGarbageArb = fc
  .tuple(fc.constantFrom(...Buffer.from('x +-\t\0a')), fc.uint8Array({ maxLength: 20, size: 'max' }))
  .map(([first, rest]) => Buffer.concat([Buffer.from([first]), rest]));

/** Away reasons (7.12): none, empty (the same as none), and short texts within the reason's rules. */
const awayReasonArb = fc.option(fc.constantFrom('', 'lunch', 'back at 3', 'caf\u00e9 \u{1F600}', 'ZZZ'), {
  nil: undefined,
});

function msgTarget(names: fc.Arbitrary<string>): fc.Arbitrary<MsgTarget> {
  return fc.oneof(
    fc.record({
      member: fc.nat({ max: 5 }),
      variant: fc.constantFrom<'same' | 'upper' | 'lower'>('same', 'same', 'upper', 'lower'),
    }),
    fc.record({ name: names }),
  );
}

export interface CommandOptions {
  readonly profile: Profile;
  readonly slots: number;
  /** The name and message limits the runs may have (texts and names are drawn around each). */
  readonly maxNames: readonly number[];
  readonly maxMessages: readonly number[];
  readonly advance: boolean;
  readonly extra: boolean;
}

export function commandArbs(o: CommandOptions): fc.Arbitrary<Cmd>[] {
  const pick = fc.nat({ max: o.slots - 1 });
  const names = nameArb(o.profile, o.maxNames);
  const texts = textArb(o.profile, o.maxMessages);
  const hows: LeaveHow[] = o.profile === 'v2' ? ['goodbye', 'hangup', 'garbage'] : ['hangup', 'garbage'];
  const weighted: { weight: number; arbitrary: fc.Arbitrary<Cmd> }[] = [
    { weight: 3, arbitrary: fc.constant(null).map(() => new Connect()) },
    { weight: 4, arbitrary: fc.tuple(pick, names).map(([p, n]) => new Join(p, n)) },
    { weight: 5, arbitrary: fc.tuple(pick, texts).map(([p, t]) => new Say(p, 'say', t)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(pick, fc.constantFrom(...hows), leaveGarbageArb)
        .map(([p, h, g]) => new Leave(p, h, g)),
    },
    { weight: 1, arbitrary: pick.map((p) => new Query(p, 'export')) },
  ];
  if (o.profile === 'v2') {
    weighted.push(
      { weight: 1, arbitrary: fc.tuple(pick, texts).map(([p, t]) => new Say(p, 'me', t)) },
      {
        weight: 2,
        arbitrary: fc.tuple(pick, msgTarget(names), texts).map(([p, to, t]) => new Msg(p, to, t)),
      },
      { weight: 1, arbitrary: pick.map((p) => new Query(p, 'who')) },
      // The 2.1 features (their commands apply only where the system's clients agree them).
      { weight: 2, arbitrary: fc.tuple(pick, names).map(([p, n]) => new Nick(p, n)) },
      { weight: 1, arbitrary: fc.tuple(pick, awayReasonArb).map(([p, why]) => new Away(p, 'away', why)) },
      { weight: 1, arbitrary: pick.map((p) => new Away(p, 'back')) },
      { weight: 1, arbitrary: fc.tuple(pick, msgTarget(names)).map(([p, to]) => new Whois(p, to)) },
    );
  }
  if (o.extra) weighted.push({ weight: 1, arbitrary: extraArb.map((spec) => new Extra(spec)) });
  if (o.advance) {
    const ms = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 3000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 3000, max: 12_000 }) },
    );
    weighted.push({ weight: 2, arbitrary: ms.map((n) => new Advance(n)) });
  }
  return [fc.oneof(...weighted)];
}
