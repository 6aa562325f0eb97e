/**
 * End to end, --plain (spec 7.18): what a muted, kicked and banned user reads, from the built
 * client against a reference server with an operator. Each line must say what happened and by
 * whom in words a user understands, and a kicked or banned client must stop, not reconnect by
 * itself. Needs `npm run build` first (npm test does it).
 */
import { describe, expect, it } from 'vitest';
import { clientKeyFingerprint, loadOrCreateClientKey } from '../../reference-client/app/client-key-file.js';
import { plainRun, type Workspace } from './support/plain-run.js';
import { BUILT } from './support/processes.js';
import type { TestServer } from './support/tcp-server.js';

const { workspace, server, plain } = plainRun('parley-moderation-');

/** A server whose one operator is the key in a fresh workspace; that workspace, to run the operator in. */
async function moderatedServer(): Promise<{ srv: TestServer; opSpace: Workspace }> {
  const opSpace = workspace();
  const { key } = loadOrCreateClientKey(opSpace.configDir, 'client_key.pem');
  const srv = await server({ guards: { moderation: { operators: [clientKeyFingerprint(key)] } } });
  return { srv, opSpace };
}

describe.skipIf(!BUILT)(
  '--plain: a muted, kicked or banned user is told clearly (7.18)',
  { timeout: 60_000 },
  () => {
    it('muted: a line naming the operator and the reason, a warning, then each refused line says MUTED', async () => {
      const { srv, opSpace } = await moderatedServer();
      const op = plain(srv, ['-u', 'op', '--key'], opSpace);
      await op.waitLine(/you are an operator/);
      const troll = plain(srv, ['-u', 'troll']);
      await troll.waitLine(/^joined as troll/);
      op.send('/mute troll 10m shouting');
      // The news names the operator and the reason (a server-wide mute: no room prefix); the
      // warning says what it means.
      await troll.waitLine(/^\[\d\d:\d\d:\d\d\] -!- op muted troll for 10m \(shouting\)$/);
      await troll.waitLine(
        /^warning: you are muted for 10m: what you say is not delivered \(\/msg still is\)$/,
      );
      const from = troll.lines.length;
      troll.send('HELLO EVERYONE');
      expect(await troll.waitLine(/MUTED/, from)).toMatch(
        /^error MUTED: an operator muted you: nobody got that line/,
      );
    });

    it('kicked: says who removed it and why, and exits without reconnecting', async () => {
      const { srv, opSpace } = await moderatedServer();
      const op = plain(srv, ['-u', 'op', '--key'], opSpace);
      await op.waitLine(/you are an operator/);
      const troll = plain(srv, ['-u', 'troll']);
      await troll.waitLine(/^joined as troll/);
      op.send('/kick troll spamming');
      expect(await troll.waitLine(/KICKED/)).toBe(
        'warning: connection lost: KICKED: op kicked you: spamming (an operator removed you; you may come back); /reconnect to try again',
      );
      expect(await troll.exited).not.toBe(0);
      expect(troll.lines.join('\n')).not.toMatch(/reconnecting/i);
    });

    it('banned: says so and that it cannot come back; a reconnect with the banned key is told BANNED again', async () => {
      const { srv, opSpace } = await moderatedServer();
      const op = plain(srv, ['-u', 'op', '--key'], opSpace);
      await op.waitLine(/you are an operator/);
      const trollSpace = workspace();
      const troll = plain(srv, ['-u', 'troll', '--key'], trollSpace);
      await troll.waitLine(/^joined as troll/);
      op.send('/ban troll 1h flooding');
      expect(await troll.waitLine(/BANNED/)).toMatch(
        /^warning: connection lost: BANNED: op banned you: flooding \(an operator banned you: the server refuses you until the ban ends\)/,
      );
      expect(await troll.exited).not.toBe(0);
      const again = plain(srv, ['-u', 'troll', '--key'], trollSpace);
      expect(await again.waitLine(/BANNED/)).toMatch(
        /BANNED: you are banned from this server: flooding \(an operator banned you: the server refuses you until the ban ends\)/,
      );
      expect(await again.exited).not.toBe(0);
    });
  },
);
