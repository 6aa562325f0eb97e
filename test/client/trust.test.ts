import { describe, expect, it } from 'vitest';
import { changedKeyLines, checkFingerprint, decideTrust } from '../../src/client/trust.js';

const OLD = 'SHA256:old';
const NEW = 'SHA256:new';

describe('decideTrust (spec 5.6)', () => {
  it('records and shows the key of a server seen for the first time', () => {
    expect(decideTrust({ profile: 'v2', requested: 'auto', presented: NEW })).toEqual({
      kind: 'trust',
      trust: 'new',
      record: true,
    });
  });

  it('goes on when the key matches the recorded one', () => {
    expect(decideTrust({ profile: 'v2', requested: 'auto', presented: OLD, known: OLD })).toEqual({
      kind: 'trust',
      trust: 'known',
      record: false,
    });
  });

  it('stops at a changed key, naming both, for the user to accept or refuse', () => {
    expect(decideTrust({ profile: 'v2', requested: 'v2', presented: NEW, known: OLD })).toEqual({
      kind: 'changed',
      known: OLD,
      presented: NEW,
    });
    const lines = changedKeyLines('h:1', OLD, NEW).join('\n');
    expect(lines).toContain(OLD);
    expect(lines).toContain(NEW);
    expect(lines).toContain('--accept-new-key');
  });

  it('takes a --fingerprint pin over the recorded key, and records the pinned one', () => {
    expect(
      decideTrust({ profile: 'v2', requested: 'auto', presented: NEW, known: OLD, pinned: NEW }),
    ).toEqual({
      kind: 'trust',
      trust: 'pinned',
      record: true,
    });
  });

  it('checks a key against the expected one, naming both when they differ', () => {
    expect(() => checkFingerprint(NEW, NEW)).not.toThrow();
    expect(() => checkFingerprint(NEW, undefined)).not.toThrow();
    expect(() => checkFingerprint(NEW, OLD)).toThrow(
      expect.objectContaining({
        code: 'FINGERPRINT_MISMATCH',
        message: expect.stringMatching(/SHA256:new.*SHA256:old/),
      }),
    );
  });

  it('lets an unknown legacy server through (the client warns)', () => {
    expect(decideTrust({ profile: 'legacy', requested: 'auto', presented: null })).toEqual({
      kind: 'trust',
      trust: 'none',
      record: false,
    });
  });

  it('refuses a server known by key that now speaks legacy, unless legacy was asked for', () => {
    expect(decideTrust({ profile: 'legacy', requested: 'auto', presented: null, known: OLD })).toMatchObject({
      kind: 'refuse',
      code: 'PROTOCOL_MISMATCH',
    });
    expect(decideTrust({ profile: 'legacy', requested: 'legacy', presented: null, known: OLD })).toEqual({
      kind: 'trust',
      trust: 'none',
      record: false,
    });
  });

  it('refuses a legacy server when a key was pinned', () => {
    expect(
      decideTrust({ profile: 'legacy', requested: 'legacy', presented: null, pinned: OLD }),
    ).toMatchObject({
      kind: 'refuse',
      code: 'FINGERPRINT_MISMATCH',
    });
  });
});
