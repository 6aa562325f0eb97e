/**
 * One room of a server (spec 7.15): its members, their names in user-list order, its topic and
 * the conversation kept for it (7.10).
 *
 * How this works: a plain holder, changed only by the server's set of rooms (room-set.ts), which
 * keeps the server-wide bounds (maxRooms, historyTotal) and forgets a room when it empties. The
 * members are a Set in join order, so that a room's broadcast is a loop over it; the names are
 * kept sorted as they come and go (sorted-names.ts). Dialects read a room to render a decision.
 */
import type { NameRules } from '../generated/constants.js';
import { History, type HistoryEntry } from './history.js';
import { SortedNames } from './sorted-names.js';

/** The room every member is put in at join_ok, and the only one of a client without rooms (7.15). */
export const LOBBY = '#lobby';

/** A chat line or action of the history (what a backlog holds, 7.10). */
export type ChatEntry = HistoryEntry & { readonly kind: 'message' | 'action' };

export class ChatRoom<Id> {
  /** Member ids in the order they entered. */
  readonly members = new Set<Id>();
  /** Their names in user-list order (7.6). */
  readonly names: SortedNames;
  /** What is kept of the room's conversation (7.7, 7.10); bounded per room and server-wide. */
  readonly history: History;
  /** The topic, '' for none (7.15). */
  topic = '';

  constructor(
    /** The name as recorded: the NFC spelling of the join that made the room exist (7.15). */
    readonly name: string,
    /** The 7.2 keys of the part after `#`: a room name sharing one is this room. */
    readonly keys: readonly string[],
    rules: NameRules,
    historyCapacity: number,
  ) {
    this.names = new SortedNames(rules);
    this.history = new History(historyCapacity);
  }

  get isLobby(): boolean {
    return this.name === LOBBY;
  }

  get size(): number {
    return this.members.size;
  }

  /**
   * The newest `count` chat lines and actions of the kept history, oldest first: a newcomer's
   * backlog (7.10). The same entries export returns, never more (the rule is stated once, 7.10).
   */
  recentChat(count: number): ChatEntry[] {
    const out: ChatEntry[] = [];
    for (let n = this.history.end - 1; n >= this.history.first && out.length < count; n--) {
      const entry = this.history.at(n)!;
      if (entry.kind === 'message' || entry.kind === 'action') out.push(entry as ChatEntry);
    }
    return out.reverse();
  }
}
