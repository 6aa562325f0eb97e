/**
 * attack names (issue 15, item 7): names that look like a present member's (`honest1`) or like a
 * reserved name (`server`), each asked for on its own connection. Which does the server accept?
 * The exact name, another case of it and the reserved name itself are controls: the spec (7.2)
 * says they are refused.
 */
import { type AttackPlan, RawPeer } from './attack-kit.js';

type Kind = 'control' | 'look-alike' | 'reserved look-alike';

export const NAME_CANDIDATES: readonly { name: string; label: string; kind: Kind }[] = [
  { name: 'honest1', label: 'honest1', kind: 'control' },
  { name: 'HONEST1', label: 'HONEST1', kind: 'control' },
  { name: 'server', label: 'server', kind: 'control' },
  { name: 'h\u043enest1', label: 'honest1, Cyrillic o', kind: 'look-alike' },
  { name: '\uff48onest1', label: 'honest1, fullwidth h', kind: 'look-alike' },
  { name: '\u{1d421}onest1', label: 'honest1, math bold h', kind: 'look-alike' },
  { name: 'honest1\u3164', label: 'honest1 + U+3164 filler', kind: 'look-alike' },
  { name: '\u0455erver', label: 'server, Cyrillic s', kind: 'reserved look-alike' },
  { name: '\uff53erver', label: 'server, fullwidth s', kind: 'reserved look-alike' },
  { name: '\u{1d42c}erver', label: 'server, math bold s', kind: 'reserved look-alike' },
  { name: 'server\u3164', label: 'server + U+3164 filler', kind: 'reserved look-alike' },
];

export const namesAttack: AttackPlan = {
  async attack({ server }) {
    const counts: Record<string, string> = {};
    const accepted: Record<Kind, number> = { control: 0, 'look-alike': 0, 'reserved look-alike': 0 };
    const total: Record<Kind, number> = { control: 0, 'look-alike': 0, 'reserved look-alike': 0 };
    for (const c of NAME_CANDIDATES) {
      const peer = new RawPeer({ host: server.host, port: server.port });
      let outcome: string;
      try {
        await peer.handshake();
        outcome = (await peer.join(c.name)) ?? 'accepted';
      } catch (err) {
        outcome = `failed: ${(err as Error).message}`;
      }
      await peer.leave();
      total[c.kind]++;
      if (outcome === 'accepted') accepted[c.kind]++;
      counts[`name ${c.label}`] = outcome;
    }
    return {
      controlsAccepted: `${accepted.control}/${total.control}`,
      lookalikesAccepted: `${accepted['look-alike']}/${total['look-alike']}`,
      reservedLookalikesAccepted: `${accepted['reserved look-alike']}/${total['reserved look-alike']}`,
      ...counts,
    };
  },
};
