/**
 * `--profile auto` (spec 2): the first frame names the profile. A legacy first frame is a JSON
 * object with `typ` and no `type`; anything else is v2's to read (and to refuse). Bytes are held
 * until a whole frame is in, and all of them are handed on.
 */
import { describe, expect, it } from 'vitest';
import {
  looksLikeParley,
  ProfileSniffer,
  profileMismatchMessage,
  sniffProfile,
} from '../../src/client/profile-sniffer.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';

const body = (text: string) => Buffer.from(text, 'utf8');

describe('sniffProfile', () => {
  it('names legacy only for an object with typ and without type', () => {
    expect(sniffProfile(body('{"typ":"iv_exc","iv":"x"}'))).toBe('legacy');
    expect(sniffProfile(body('{"type":"server_hello"}'))).toBe('v2');
    expect(sniffProfile(body('{"typ":"iv_exc","type":"server_hello"}'))).toBe('v2');
    expect(sniffProfile(body('{"x":1}'))).toBe('v2');
    expect(sniffProfile(body('[{"typ":"iv_exc"}]'))).toBe('v2');
    expect(sniffProfile(body('"typ"'))).toBe('v2');
    expect(sniffProfile(body('null'))).toBe('v2');
    expect(sniffProfile(body('not json {"typ":1}'))).toBe('v2');
  });

  it('reads the body as UTF-8', () => {
    expect(sniffProfile(body('{"typ":"é"}'))).toBe('legacy');
  });
});

describe('looksLikeParley', () => {
  it('is true for an object naming a packet in either profile', () => {
    expect(looksLikeParley(body('{"type":"server_hello"}'))).toBe(true);
    expect(looksLikeParley(body('{"typ":"iv_exc"}'))).toBe(true);
  });

  it('is false for JSON that names no packet and for what is not JSON', () => {
    for (const text of ['{"x":1}', '[]', '["type"]', '"type"', 'null', '0', 'true', 'HTTP/1.1 200 OK', '']) {
      expect(looksLikeParley(body(text)), text).toBe(false);
    }
  });
});

describe('ProfileSniffer', () => {
  it('holds bytes until the first frame is whole, then hands back every byte held', () => {
    const frame = Buffer.concat([encodeFrame(body('{"typ":"iv_exc"}')), encodeFrame(body('{"typ":"next"}'))]);
    const sniffer = new ProfileSniffer();
    expect(sniffer.push(frame.subarray(0, 3))).toBeNull();
    expect(sniffer.push(frame.subarray(3, 10))).toBeNull();
    const sniffed = sniffer.push(frame.subarray(10));
    expect(sniffed).toEqual({ profile: 'legacy', parley: true, bytes: frame });
  });

  it('names a v2 first frame as v2 and Parley', () => {
    const frame = encodeFrame(body('{"type":"server_hello"}'));
    expect(new ProfileSniffer().push(frame)).toEqual({ profile: 'v2', parley: true, bytes: frame });
  });

  it('names a frame whose body names no packet as v2, not Parley', () => {
    const frame = encodeFrame(body('{"hello":"world"}'));
    expect(new ProfileSniffer().push(frame)).toEqual({ profile: 'v2', parley: false, bytes: frame });
  });

  it('hands bytes that are not a frame to v2 at once, as not Parley', () => {
    const junk = Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n');
    expect(new ProfileSniffer().push(junk)).toEqual({ profile: 'v2', parley: false, bytes: junk });
  });

  it('applies the maxFrame it is given: a longer first frame is not a frame', () => {
    const frame = encodeFrame(body(`{"typ":"${'x'.repeat(100)}"}`));
    expect(new ProfileSniffer(64).push(frame)).toEqual({ profile: 'v2', parley: false, bytes: frame });
    expect(new ProfileSniffer(1024).push(frame)).toMatchObject({ profile: 'legacy', parley: true });
  });
});

describe('profileMismatchMessage (2)', () => {
  it('names the profile spoken and the one asked for, and how to go on', () => {
    expect(profileMismatchMessage('legacy')).toBe(
      'this server speaks legacy (the original pyChat protocol), not v2 as --profile v2 asked: run with --profile auto (or --profile legacy) to talk to it',
    );
    expect(profileMismatchMessage('v2')).toBe(
      'this server speaks v2, not legacy as --profile legacy asked: run with --profile auto (or --profile v2) to talk to it',
    );
  });
});
