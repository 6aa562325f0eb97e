/**
 * The text-rule cases (conformance/cases/v2-text-rules.ts): the reference server passes them, and
 * a server with each planted fault (a lenient JSON reader, names without the UTS #39 5.4 mark
 * checks, the original's legacy name rule) fails the case meant for it.
 */
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../conformance/case.js';
import type { RunningServer } from '../../reference-server/server.js';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';
import { type Any, onEachEndpoint, onNameCheck } from './planting.js';

const SURROGATE = 'v2-handshake/7.1/21';
const MARKS = 'v2-chat/7.2/21';
const LEGACY_NAMES = 'legacy-chat/10.2/21';

interface TextFault {
  readonly name: string;
  readonly profile: Profile;
  readonly caughtBy: string;
  start(): Promise<RunningServer>;
}

const FAULTS: readonly TextFault[] = [
  {
    name: 'turns escaped surrogates into U+FFFD instead of refusing them',
    profile: 'v2',
    caughtBy: SURROGATE,
    start: async () =>
      onEachEndpoint(await startReference('v2'), (endpoint: Any) => {
        const hello = endpoint.handleClientHello.bind(endpoint);
        endpoint.handleClientHello = (...args: unknown[]) => {
          hello(...args);
          const open = endpoint.opener.open.bind(endpoint.opener);
          endpoint.opener.open = (frame: unknown) =>
            Buffer.from(
              open(frame)
                .toString('utf8')
                .replace(/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g, '\\ufffd'),
            );
        };
      }),
  },
  {
    name: 'skips the UTS #39 5.4 mark checks on names',
    profile: 'v2',
    caughtBy: MARKS,
    start: async () =>
      onNameCheck(await startReference('v2'), (verdict, wanted) =>
        !verdict.ok && /5\.4/.test(verdict.message) ? { ok: true, name: wanted.normalize('NFC') } : verdict,
      ),
  },
  {
    name: "keeps the original's legacy name rule (exact names, no check of invisible characters)",
    profile: 'legacy',
    caughtBy: LEGACY_NAMES,
    start: async () =>
      onNameCheck(await startReference('legacy'), (verdict, wanted, room) =>
        !verdict.ok && wanted !== '' && wanted !== '*server*' && !room.names().includes(wanted)
          ? { ok: true, name: wanted }
          : verdict,
      ),
  },
];

describe.concurrent('the text-rule cases (issues 15, 17)', () => {
  for (const profile of ['v2', 'legacy'] as const) {
    it(`pass on the reference server (${profile})`, async () => {
      const server = await startReference(profile);
      try {
        const ids = profile === 'v2' ? [SURROGATE, MARKS] : [LEGACY_NAMES];
        const outcome = await runCases(suiteOptions(server.port, profile), ids);
        for (const id of ids) expect(resultOf(outcome, id).verdict, resultOf(outcome, id).actual).toBe('OK');
      } finally {
        await server.close();
      }
    }, 60_000);
  }

  for (const fault of FAULTS) {
    it(`a server that ${fault.name} fails ${fault.caughtBy}`, async () => {
      const server = await fault.start();
      try {
        const outcome = await runCases(suiteOptions(server.port, fault.profile), [fault.caughtBy]);
        const result = resultOf(outcome, fault.caughtBy);
        expect(result.verdict, result.actual).toBe('FAILED');
        expect(result.actual.length).toBeGreaterThan(10);
        expect(outcome.exitCode).toBe(1);
      } finally {
        await server.close();
      }
    }, 60_000);
  }
});
