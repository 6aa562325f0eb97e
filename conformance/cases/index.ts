/**
 * Every case of the suite, in run order: the sanity case first and last, the rest by spec area.
 * `casesFor(profile)` selects what applies to one profile.
 */
import type { Case, Profile } from '../case.js';
import { framingCases } from './framing.js';
import { framingStreamCases } from './framing-stream.js';
import { legacyChatCases } from './legacy-chat.js';
import { legacyDefectCases } from './legacy-defects.js';
import { legacyHandshakeCases } from './legacy-handshake.js';
import { legacyKeyCases } from './legacy-keys.js';
import { legacyMitigationCases } from './legacy-mitigations.js';
import { robustnessCases, sanityCase } from './robustness.js';
import { survivalCases } from './survival.js';
import { v2AwayLoadCases } from './v2-away-load.js';
import { v2ChatCases } from './v2-chat.js';
import { v2FairOrderCases } from './v2-fair-order.js';
import { v2FeatureChatCases } from './v2-feature-chat.js';
import { v2FeatureCases } from './v2-features.js';
import { floodCases } from './v2-flood.js';
import { v2HandshakeCases } from './v2-handshake.js';
import { v2IdleCases } from './v2-idle.js';
import { v2JoinBudgetCases } from './v2-join-budget.js';
import { v2KeyCases } from './v2-keys.js';
import { v2KeyEncodingCases } from './v2-keys-encoding.js';
import { v2LimitCases } from './v2-limits.js';
import { v2MatrixCases } from './v2-matrix.js';
import { v2MuteCases } from './v2-mute.js';
import { v2NameCases } from './v2-names.js';
import { v2OutputCases } from './v2-output.js';
import { v2PresenceCases } from './v2-presence.js';
import { v2PrivateCases } from './v2-private.js';
import { v2RecordCases } from './v2-records.js';
import { v2RoomCases } from './v2-room.js';
import { v2RoomsCases } from './v2-rooms.js';
import { v2RoomsMoreCases } from './v2-rooms-more.js';
import { v2RoomsScopeCases } from './v2-rooms-scope.js';
import { v2ShutdownCases } from './v2-shutdown.js';
import { v2StateCases } from './v2-states.js';
import { v2StrictCases } from './v2-strict.js';
import { v2TextRuleCases } from './v2-text-rules.js';

export const SANITY_FIRST = sanityCase('sanity/1', 'Two clients can join and chat (before the other cases)');
export const SANITY_LAST = sanityCase(
  'sanity/2',
  'Two clients can still join and chat (after every other case)',
);

/** The areas (first id segment) in display order. */
export const AREAS = [
  'sanity',
  'framing',
  'v2-handshake',
  'v2-records',
  'v2-chat',
  'legacy-handshake',
  'legacy-chat',
  'robustness',
];

/** By area, then by section and number, numerically: 3.2/9 before 3.2/10, 7 before 13.1. */
export function compareIds(a: string, b: string): number {
  const [areaA, ...restA] = a.split('/');
  const [areaB, ...restB] = b.split('/');
  if (areaA !== areaB) return AREAS.indexOf(areaA) - AREAS.indexOf(areaB);
  const numbers = (parts: string[]) => parts.join('.').split('.').map(Number);
  const [x, y] = [numbers(restA), numbers(restB)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
  }
  return 0;
}

const BODY: readonly Case[] = [
  ...framingCases,
  ...framingStreamCases,
  ...v2HandshakeCases,
  ...v2FeatureCases,
  ...v2StateCases,
  ...v2StrictCases,
  ...v2TextRuleCases,
  ...v2MatrixCases,
  ...v2RecordCases,
  ...v2NameCases,
  ...v2ChatCases,
  ...v2FeatureChatCases,
  ...v2JoinBudgetCases,
  ...v2AwayLoadCases,
  ...v2LimitCases,
  ...v2PrivateCases,
  ...v2PresenceCases,
  ...v2RoomCases,
  ...v2KeyCases,
  ...v2MuteCases,
  ...v2KeyEncodingCases,
  ...v2RoomsCases,
  ...v2RoomsMoreCases,
  ...v2RoomsScopeCases,
  ...v2IdleCases,
  ...v2ShutdownCases,
  ...v2OutputCases,
  ...v2FairOrderCases,
  ...legacyHandshakeCases,
  ...legacyChatCases,
  ...legacyDefectCases,
  ...legacyMitigationCases,
  ...legacyKeyCases,
  ...robustnessCases,
  ...survivalCases,
  ...floodCases,
];

/**
 * Cases that pass on an absence (a line that reaches nobody, a packet ignored, a burst dropped): a
 * dead or degraded server shows the same absence, so after each the runner proves, in the same
 * case, that two fresh clients still chat (runner.ts, positive control).
 */
const ABSENCE = new Set([
  'legacy-handshake/13.3/3',
  'legacy-chat/10.3/2',
  'legacy-chat/10.3/4',
  'legacy-chat/11/1',
  'legacy-chat/11/2',
  'v2-handshake/13.1/7',
  'v2-chat/7.3/3',
  'v2-chat/7.3/4',
  'v2-chat/7.4/1',
  'v2-chat/7.6/2',
  'v2-chat/7.8/1',
  'v2-chat/7.8/2',
  'v2-chat/7.8/3',
]);

export const ALL_CASES: readonly Case[] = [
  SANITY_FIRST,
  ...[...BODY]
    .map((c) => (ABSENCE.has(c.id) || c.absence ? { ...c, absence: true } : c))
    .sort((a, b) => compareIds(a.id, b.id)),
  SANITY_LAST,
];

export function casesFor(profile: Profile): Case[] {
  return ALL_CASES.filter((c) => c.profile === 'both' || c.profile === profile);
}
