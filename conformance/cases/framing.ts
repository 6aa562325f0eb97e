import { encodeHeader } from '../../src/framing/frame-codec.js';
import { LIMIT_INFO } from '../../src/generated/constants.js';
import type { Case, CaseContext } from '../case.js';
import { limitText, outcome, quote, texts } from '../spec-text.js';
import { expectRefused, open, rawHeader, refusedOutcomes, validFrame } from './common.js';

interface BadHeader {
  readonly label: string;
  /**
   * Framing cases on the header (spec 3.2), run in both profiles: the grammar and the frame limit.
   *
   * How this works: each bad header is followed by the body a valid client would send next, with
   * the length the header claims, so a server that parses leniently (as the original's
   * int(header.strip()) does) answers it and is caught, while a strict one closes. Cases 3.2/1-8
   * send the bad frame first thing; 3.2/9-11 send it after the key exchange, where a v2 server may
   * name the error in an error packet before it closes. Stream cases are in framing-stream.ts.
   */
  readonly header: (length: number) => Buffer;
  /** Send only the header (the announced body is too large to send). */
  readonly headerOnly?: boolean;
}

const text = (t: string) => () => rawHeader(t);
const around = (make: (n: number) => string) => (n: number) => rawHeader(make(n));

async function sendBad(ctx: CaseContext, keyed: boolean, bad: BadHeader, code: string): Promise<void> {
  const o = await open(ctx, keyed, 'bad');
  o.conn.write(bad.headerOnly ? bad.header(0) : validFrame(o, bad.header));
  await expectRefused(ctx, o, [code], `a header ${bad.label}`);
}

async function maxFrameOf(ctx: CaseContext): Promise<number> {
  if (ctx.options.profile === 'legacy') return ctx.options.maxFrame;
  const v2 = await ctx.v2Connect('limits');
  const hello = await v2.readServerHello();
  v2.conn.destroy();
  return hello.limits.maxFrame;
}

function headerCase(
  id: string,
  outcomeId: string,
  description: string,
  code: string,
  keyed: boolean,
  bads: (ctx: CaseContext) => Promise<BadHeader[]>,
): Case {
  return {
    id,
    section: outcomeId.split('/')[0],
    profile: 'both',
    level: 'MUST',
    description,
    specText: texts(outcome(outcomeId), quote('3.2', 'MUST reject a header')),
    covers: [],
    accepts: refusedOutcomes(code, keyed),
    async run(ctx) {
      // Each variant on its own connection, in turn.
      for (const bad of await bads(ctx)) await sendBad(ctx, keyed, bad, code);
    },
  };
}

const tooLarge = async (ctx: CaseContext): Promise<BadHeader[]> => {
  const max = await maxFrameOf(ctx);
  return [
    {
      label: `announcing ${max + 1} bytes (maxFrame + 1)`,
      header: () => encodeHeader(max + 1),
      headerOnly: true,
    },
  ];
};

/**
 * Before keys exist a server takes at most maxHandshakeFrame (3.2), which is not announced but is
 * at most its spec maximum: one byte more is refused by every server, also where maxFrame allows
 * it (where maxFrame is smaller, this is framing/3.2/7 again).
 */
const beyondHandshake = async (): Promise<BadHeader[]> => {
  const length = LIMIT_INFO.maxHandshakeFrame.max + 1;
  return [
    {
      label: `announcing ${length} bytes before the handshake (the largest maxHandshakeFrame + 1)`,
      header: () => encodeHeader(length),
      headerOnly: true,
    },
  ];
};

export const framingCases: Case[] = [
  headerCase('framing/3.2/1', '3.2/1', 'A zero-length frame is refused', 'FRAME_EMPTY', false, async () => [
    { label: '"0" (zero length)', header: text('0') },
  ]),
  headerCase(
    'framing/3.2/2',
    '3.2/2',
    'A header with leading spaces is refused',
    'FRAME_HEADER_INVALID',
    false,
    async () => [{ label: 'with leading spaces', header: around((n) => `  ${n}`) }],
  ),
  headerCase(
    'framing/3.2/3',
    '3.2/3',
    'A header with a sign is refused',
    'FRAME_HEADER_INVALID',
    false,
    async () => [
      { label: 'with a plus sign', header: around((n) => `+${n}`) },
      { label: 'with a minus sign', header: around((n) => `-${n}`) },
    ],
  ),
  headerCase(
    'framing/3.2/4',
    '3.2/4',
    'A header with a letter, tab, NUL or non-ASCII byte is refused',
    'FRAME_HEADER_INVALID',
    false,
    async () => [
      { label: '"12a"', header: text('12a') },
      { label: 'with a tab', header: around((n) => `${n}\t`) },
      { label: 'with a NUL', header: around((n) => `${n}\0`) },
      { label: 'with a non-ASCII byte', header: around((n) => `${n}\u00e9`) },
    ],
  ),
  headerCase(
    'framing/3.2/5',
    '3.2/5',
    'A header with a leading zero is refused',
    'FRAME_HEADER_INVALID',
    false,
    async () => [{ label: 'with a leading zero', header: around((n) => `0${n}`) }],
  ),
  headerCase(
    'framing/3.2/6',
    '3.2/6',
    'A header with a digit after the padding is refused',
    'FRAME_HEADER_INVALID',
    false,
    async () => [
      { label: 'with a digit after a space', header: around((n) => `${String(n)[0]} ${String(n).slice(1)}`) },
    ],
  ),
  {
    ...headerCase(
      'framing/3.2/7',
      '3.2/7',
      'A length over maxFrame is refused on the header alone',
      'FRAME_TOO_LARGE',
      false,
      tooLarge,
    ),
    specText: texts(outcome('3.2/7'), quote('3.2', 'so it never buffers a body it will refuse')),
  },
  {
    ...headerCase(
      'framing/3.2/14',
      '3.2/7',
      'Before the handshake, a length over maxHandshakeFrame is refused on the header alone',
      'FRAME_TOO_LARGE',
      false,
      beyondHandshake,
    ),
    specText: texts(outcome('3.2/7'), limitText('maxHandshakeFrame')),
  },
  headerCase(
    'framing/3.2/8',
    '3.2/7',
    'The largest 10-digit length is refused on the header alone',
    'FRAME_TOO_LARGE',
    false,
    async () => [{ label: 'announcing 9999999999 bytes', header: text('9999999999'), headerOnly: true }],
  ),
  headerCase(
    'framing/3.2/9',
    '3.2/4',
    'After the key exchange, an invalid header is refused',
    'FRAME_HEADER_INVALID',
    true,
    async () => [
      { label: 'with leading spaces', header: around((n) => `  ${n}`) },
      { label: '"12a"', header: text('12a') },
    ],
  ),
  headerCase(
    'framing/3.2/10',
    '3.2/1',
    'After the key exchange, a zero-length frame is refused',
    'FRAME_EMPTY',
    true,
    async () => [{ label: '"0" (zero length)', header: text('0') }],
  ),
  headerCase(
    'framing/3.2/11',
    '3.2/7',
    'After the key exchange, a length over maxFrame is refused',
    'FRAME_TOO_LARGE',
    true,
    tooLarge,
  ),
];
