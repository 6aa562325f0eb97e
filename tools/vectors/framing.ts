/**
 * framing.json (spec 3): byte streams fed to a frame decoder, with the outcome the spec gives for
 * each (3.1 well-formed, 3.2/3.3 errors and the clean end).
 */
import { encodeFrame, encodeHeader } from '../../src/framing/frame-codec.js';
import { LIMITS } from '../../src/generated/constants.js';
import { type ErrorCode, FRAMING_OUTCOMES } from '../../src/generated/errors.js';
import { type DraftTest, hex, latin1, utf8, type VectorFile, vectorFile } from './format.js';

/** The code the spec gives for a framing outcome id (3.2/N, 3.3/N). */
function framingCode(sectionRef: string): ErrorCode | null {
  const outcome = FRAMING_OUTCOMES.find((o) => o.id === sectionRef);
  if (!outcome) throw new Error(`no framing outcome ${sectionRef} in the spec`);
  return outcome.code;
}

function framingValid(comment: string, flags: string[], bodies: Buffer[], sectionRef = '3.1'): DraftTest {
  return {
    comment,
    flags,
    sectionRef,
    input: hex(Buffer.concat(bodies.map((b) => encodeFrame(b)))),
    bodies: bodies.map(hex),
    result: 'valid',
    code: null,
  };
}

function framingInvalid(
  comment: string,
  flags: string[],
  sectionRef: string,
  input: Buffer,
  bodies: Buffer[] = [],
): DraftTest {
  const code = framingCode(sectionRef);
  if (code === null) throw new Error(`${sectionRef} is not an error outcome`);
  return { comment, flags, sectionRef, input: hex(input), bodies: bodies.map(hex), result: 'invalid', code };
}

export function buildFramingVectors(): VectorFile {
  const pattern = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff));
  const ok = utf8('ok');
  const ping = utf8('{"type":"ping","n":1}');
  const nonAscii = Buffer.concat([
    utf8('è tutto ok? 👋 '),
    Buffer.from([0x00, 0xff, 0x80, 0x0a, 0x20, 0x7f]),
  ]);

  const small: DraftTest[] = [
    framingValid('one frame', [], [utf8('hello')]),
    framingValid('one-byte body', [], [utf8('x')]),
    framingValid('three frames back to back', ['BackToBack'], [utf8('alpha'), ping, Buffer.alloc(100, 0x7a)]),
    framingValid('a body of exactly maxFrame bytes', ['MaxSize'], [pattern(1024)]),
    framingValid('a maxFrame body then a small one', ['MaxSize', 'BackToBack'], [pattern(1024), ok]),
    framingValid('a body with non-ASCII bytes (UTF-8, NUL, 0xff)', ['NonAscii'], [nonAscii]),
    framingValid('a body that looks like a header', ['BodyLooksLikeHeader'], [latin1('12        '), ok]),
    framingValid('a body that is itself a frame', ['BodyLooksLikeHeader'], [encodeFrame(ok)]),
    framingValid('empty stream: a clean end', ['CleanEnd'], [], '3.3/2'),
    framingInvalid('zero length', ['EmptyBody'], '3.2/1', latin1('0         ')),
    framingInvalid(
      'zero length after a valid frame',
      ['EmptyBody'],
      '3.2/1',
      latin1('2         ok0         '),
      [ok],
    ),
    framingInvalid('leading spaces', ['LeadingSpace'], '3.2/2', latin1('  12      abcdefghijkl')),
    framingInvalid('one leading space', ['LeadingSpace'], '3.2/2', latin1(' 1        x')),
    framingInvalid('a header of spaces only', ['LeadingSpace'], '3.2/2', latin1('          ')),
    framingInvalid('plus sign', ['Sign'], '3.2/3', latin1('+12       abcdefghijkl')),
    framingInvalid('minus sign', ['Sign'], '3.2/3', latin1('-12       abcdefghijkl')),
    framingInvalid('a letter after the digits', ['NonDigit'], '3.2/4', latin1('12a       ')),
    framingInvalid('a tab in the padding', ['NonDigit'], '3.2/4', latin1('12\t       ')),
    framingInvalid('a NUL in the padding', ['NonDigit'], '3.2/4', latin1('12\0       ')),
    framingInvalid('a CR LF after the digits', ['NonDigit'], '3.2/4', latin1('12\r\n      ')),
    framingInvalid(
      'a non-ASCII byte (UTF-8 é)',
      ['NonDigit'],
      '3.2/4',
      Buffer.concat([latin1('12'), utf8('é'), latin1('      ')]),
    ),
    framingInvalid('a first byte 0x80', ['NonDigit'], '3.2/4', Buffer.from([0x80])),
    framingInvalid('an exponent (1e3)', ['NonDigit'], '3.2/4', latin1('1e3       ')),
    framingInvalid('a digit separator (Python int accepts 1_0)', ['NonDigit'], '3.2/4', latin1('1_0       ')),
    framingInvalid('a bad header after a valid frame', ['NonDigit'], '3.2/4', latin1('2         okx'), [ok]),
    framingInvalid('leading zero', ['LeadingZero'], '3.2/5', latin1('012       ')),
    framingInvalid('two zeros', ['LeadingZero'], '3.2/5', latin1('00        ')),
    framingInvalid('leading zeros', ['LeadingZero'], '3.2/5', latin1('0012      ')),
    framingInvalid('a digit after the padding', ['DigitAfterPadding'], '3.2/6', latin1('1 2       ')),
    framingInvalid('a digit in the last byte', ['DigitAfterPadding'], '3.2/6', latin1('12       3')),
    framingInvalid('zero then a digit after a space', ['DigitAfterPadding'], '3.2/6', latin1('0 1       ')),
    framingInvalid('maxFrame + 1, header only', ['TooLarge'], '3.2/7', latin1('1025      ')),
    framingInvalid(
      'maxFrame + 1 with its body',
      ['TooLarge'],
      '3.2/7',
      Buffer.concat([encodeHeader(1025), pattern(1025)]),
    ),
    framingInvalid('four digits over the limit', ['TooLarge'], '3.2/7', latin1('2000      ')),
    framingInvalid('five digits, refused at the fifth', ['TooLarge'], '3.2/7', latin1('10240     ')),
    framingInvalid('the largest 10-digit length', ['TooLarge'], '3.2/7', latin1('9999999999')),
    framingInvalid('too large after a valid frame', ['TooLarge'], '3.2/7', latin1('2         ok1025'), [ok]),
    framingInvalid('stream ends inside a header', ['Truncated'], '3.3/1', latin1('5   ')),
    framingInvalid('stream ends after a whole header', ['Truncated'], '3.3/1', latin1('5         ')),
    framingInvalid('stream ends inside a body', ['Truncated'], '3.3/1', latin1('5         ab')),
    framingInvalid('one byte of a header after a frame', ['Truncated'], '3.3/1', latin1('2         ok1'), [
      ok,
    ]),
    framingInvalid(
      'maxFrame body missing its last byte',
      ['Truncated', 'MaxSize'],
      '3.3/1',
      Buffer.concat([encodeHeader(1024), pattern(1023)]),
    ),
  ];
  const large: DraftTest[] = [
    framingValid('one frame', [], [utf8('hello')]),
    framingValid('a 1025-byte body is fine under the default limit', [], [pattern(1025)]),
    framingInvalid('maxFrame + 1', ['TooLarge'], '3.2/7', latin1('65537     ')),
    framingInvalid('six digits', ['TooLarge'], '3.2/7', latin1('100000    ')),
    framingInvalid('the largest 10-digit length', ['TooLarge'], '3.2/7', latin1('9999999999')),
  ];
  return vectorFile(
    'PARLEY-FRAMING',
    'Each test is a byte stream (input, hex) fed to a frame decoder with the group maxFrame, then ended. ' +
      'bodies: the bodies (hex) of the frames decoded before the outcome, in order. code: the error code ' +
      '(from the frame decoder or from the end of the stream), or null for a clean end. sectionRef: the ' +
      'spec rule (3.1 for well-formed input, else the outcome id of section 3.2/3.3).',
    {
      BackToBack: 'Several frames in one stream, with no gap between them.',
      MaxSize: 'A body of exactly maxFrame bytes (the largest accepted).',
      NonAscii: 'The body holds bytes outside ASCII; framing counts bytes, not characters.',
      BodyLooksLikeHeader: 'The body holds bytes that would be a valid header; they must be read as body.',
      CleanEnd: 'The stream ends between frames (3.3/2).',
      EmptyBody: 'The header announces a zero-length body (3.2/1).',
      LeadingSpace: 'The header starts with a space (3.2/2).',
      Sign: 'The header holds a sign (3.2/3).',
      NonDigit: 'The header holds a byte that is neither a digit nor a trailing space (3.2/4).',
      LeadingZero: 'The length has a leading zero (3.2/5).',
      DigitAfterPadding: 'A digit follows the space padding (3.2/6).',
      TooLarge:
        'The length exceeds maxFrame (3.2/7). A decoder refuses it as soon as the digits seen exceed ' +
        'the limit, before any body byte is buffered.',
      Truncated: 'The stream ends inside a header or a body (3.3/1).',
    },
    [
      { maxFrame: 1024, tests: small },
      { maxFrame: LIMITS.maxFrame, tests: large },
    ],
  );
}
