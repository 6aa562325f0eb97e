/**
 * Static checks of the case table: ids, spec quotes and coverage tags stay in step with the spec.
 */
import { describe, expect, it } from 'vitest';
import { ALL_CASES, AREAS, casesFor } from '../../conformance/cases/index.js';
import { globMatcher } from '../../conformance/cli.js';
import { coverageOf, specPackets } from '../../conformance/coverage.js';
import { parseExpectedFailures } from '../../conformance/runner.js';
import { MISSING_QUOTE } from '../../conformance/spec-text.js';

/**
 * Spec items whose cases are still being written on another branch: the client-key and
 * moderation packets (7.16-7.18), which the keys harness covers. Remove an entry with its cases.
 */
const AWAITING_CASES = [
  'client_auth',
  'kick',
  'ban',
  'unban',
  'bans',
  'mute',
  'unmute',
  'motd',
  'moderated',
  'ban_list',
];
const awaitingCases = (tag: string) =>
  AWAITING_CASES.some((type) => tag === `packet:v2/${type}` || tag.endsWith(`:${type}`));

describe('the case table', () => {
  it('has unique ids of the form area/section/n, in known areas', () => {
    const ids = ALL_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of ALL_CASES) {
      expect(c.id).toMatch(/^[a-z0-9-]+\/[0-9.]+(\/[0-9]+)?$/);
      expect(AREAS).toContain(c.id.split('/')[0]);
      expect(c.accepts.length).toBeGreaterThan(0);
    }
  });

  it('quotes spec text that the spec still contains', () => {
    const missing = ALL_CASES.filter((c) => c.specText.includes(MISSING_QUOTE)).map(
      (c) => `${c.id}: ${c.specText}`,
    );
    expect(missing).toEqual([]);
  });

  // The rooms packets (7.15, spec 2.2.0) have no cases yet: the rooms harness adds them.
  const ROOMS_PENDING =
    /\b(room_join|room_part|rooms|topic|room_joined|room_parted|room_list|topic_changed)\b/;

  it('claims only packets and transitions that exist, and covers every packet type of both profiles', () => {
    const coverage = coverageOf(ALL_CASES, ['v2', 'legacy']);
    expect(coverage.unknown).toEqual([]);
    const pending = coverage.packets.missing.filter((p) => ROOMS_PENDING.test(p) || awaitingCases(p));
    expect(coverage.packets.missing.filter((p) => !ROOMS_PENDING.test(p) && !awaitingCases(p))).toEqual([]);
    expect(coverage.packets.covered.length + pending.length).toBe(
      specPackets('v2').length + specPackets('legacy').length,
    );
  });

  it('covers every transition of the server machines and of the legacy client', () => {
    const missing = coverageOf(ALL_CASES, ['v2', 'legacy']).transitions.missing;
    // A server's `send:` rows are checked by its own endpoint on every send (13.1), not by cases.
    const received = missing.filter(
      (t) => !t.includes('--send:') && !t.includes(':send:') && !ROOMS_PENDING.test(t),
    );
    expect(received.filter((t) => !t.startsWith('transition:v2/client:') && !awaitingCases(t))).toEqual([]);
  });

  it('has the sanity case first and last in both profiles', () => {
    for (const profile of ['v2', 'legacy'] as const) {
      const cases = casesFor(profile);
      expect(cases[0].id).toBe('sanity/1');
      expect(cases[cases.length - 1].id).toBe('sanity/2');
    }
  });
});

describe('case selection and expected-failure files', () => {
  it('matches globs, plain prefixes and comma lists', () => {
    const match = globMatcher(['framing/3.2/*', 'v2-chat']);
    expect(match('framing/3.2/4')).toBe(true);
    expect(match('framing/3.3/1')).toBe(false);
    expect(match('v2-chat/7.2/1')).toBe(true);
    expect(match('v2-chatter/1')).toBe(false);
  });

  it('parses ids with optional message prefixes and comments', () => {
    const entries = parseExpectedFailures(
      '# known\nframing/3.2/7\n\nv2-chat/7.8/2 all 0 of  # trailing comment\n',
    );
    expect(entries).toEqual([
      { id: 'framing/3.2/7', line: 2 },
      { id: 'v2-chat/7.8/2', prefix: 'all 0 of', line: 4 },
    ]);
  });
});
