/**
 * The legacy wire dialect (spec 10): the original's chat, minus the defects a client cannot see.
 *
 * How this works: `read` turns a client packet into a request for the room; `render` turns the
 * room's decision into legacy packets. Names come from the room, never from the packet's
 * `username` (the original trusted it); shost/dhost are `0.0.0.0` (the original forwarded
 * addresses); a connection gets nothing until its key exchange has finished. Chat lines are
 * forwarded to every *other* member, as the original does. legacy has no error packet, so notices
 * (rate limit, length) are `default` packets from `*server*` that an original client shows as a
 * chat line.
 */

import { KeyAgreement, type RandomSource } from '../crypto/key-agreement.js';
import {
  LEGACY_EXPORT_HEADER,
  LEGACY_MESSAGES,
  LEGACY_NAME_RULES,
  LEGACY_SERVER_NAME,
  LIMITS,
  type Limits,
} from '../generated/constants.js';
import { LEGACY_PACKET_INFO, type LegacyTyp } from '../generated/legacy-packets.js';
import { type LegacyPacket, legacyPacket, serializeLegacyPacket } from '../legacy/legacy-packet.js';
import { pythonDateString, pythonJsonString } from '../legacy/python-json.js';
import {
  LegacyServerConnection,
  type LegacyServerConnectionEvent,
} from '../session/legacy-server-connection.js';
import { displayText } from '../text/untrusted-text.js';
import {
  ChatServer,
  type ChatServerOptions,
  type ConnId,
  type Delivery,
  type Reading,
  type WireDialect,
} from './chat-server.js';
import { Room, type RoomDecision, type RoomGuards } from './room.js';

export interface LegacyServerOptions extends ChatServerOptions {
  readonly random: RandomSource;
  /** Reserved names (7.17): legacy members have no key, so a reserved name is refused them. */
  readonly guards?: RoomGuards;
  /** The server's key agreement (key-agreement.ts), for all its connections; default: its own. */
  readonly keyAgreement?: KeyAgreement;
}

/**
 * The original's export text: a header line, then `name> text` per chat line, each line ending in a
 * newline (10.5; the recorded session ends with `\n` after the last line).
 */
export function legacyExportText(lines: readonly string[]): string {
  return [LEGACY_EXPORT_HEADER, ...lines].map((line) => `${line}\n`).join('');
}

/** A legacy packet, serialised (to be sealed per recipient). */
const encode = (packet: LegacyPacket): Buffer => serializeLegacyPacket(packet, true);

/** A packet for one member. */
const to = (id: ConnId, packet: LegacyPacket): Delivery => ({ kind: 'send', to: id, packet: encode(packet) });

class LegacyDialect implements WireDialect<LegacyServerConnectionEvent> {
  readonly profile = 'legacy' as const;
  readonly idleChecks = false;
  readonly due = null;
  private readonly agreement: KeyAgreement;

  constructor(
    private readonly options: LegacyServerOptions,
    private readonly limits: Limits,
  ) {
    this.agreement = options.keyAgreement ?? new KeyAgreement();
  }

  createEndpoint(now: number): LegacyServerConnection {
    const endpoint = new LegacyServerConnection({
      random: this.options.random,
      keyAgreement: this.agreement,
      maxFrame: this.limits.maxFrame,
      maxHandshakeFrame: this.limits.maxHandshakeFrame,
    });
    endpoint.start(pythonDateString(now));
    return endpoint;
  }

  rateCost(event: LegacyServerConnectionEvent): number | null {
    if (event.kind !== 'packet') return null;
    // 10.3: an unknown typ is a chat line, and costs as one.
    const typ = event.packet.typ;
    const known = Object.hasOwn(LEGACY_PACKET_INFO, typ) ? LEGACY_PACKET_INFO[typ as LegacyTyp] : null;
    return known?.rateCost ?? LEGACY_PACKET_INFO.default.rateCost ?? 1;
  }

  /** legacy has no ping (10). */
  answersPing(): boolean {
    return false;
  }

  /** A dropped setuser has no reply in legacy (10.2): the connection is closed (RATE_EXCEEDED). */
  readonly closesOnDroppedJoin = true;

  waitsForVerdict(event: LegacyServerConnectionEvent): boolean {
    return event.kind === 'packet' && event.packet.typ === 'setuser';
  }

  /** legacy has no way to say why (5.10): the connection is closed without a word. */
  refusal(): null {
    return null;
  }

  read(event: LegacyServerConnectionEvent): Reading | null {
    // A fatal error event is logged once, by the server, when it closes the connection.
    if (event.kind !== 'packet') return null;
    const packet = event.packet;
    const cont = typeof packet.cont === 'string' ? packet.cont : '';
    switch (packet.typ) {
      case 'setuser':
        return { request: { kind: 'join', name: cont } };
      case 'export':
        return { request: { kind: 'export' } };
      default:
        // 10.3: a chat line (unknown typ values arrive here as `default`). Empty lines are ignored.
        return cont === '' ? null : { request: { kind: 'say', text: cont, action: false } };
    }
  }

  render(decision: RoomDecision<ConnId>, room: Room<ConnId>, now: number): readonly Delivery[] {
    const by = decision.by;
    const date = pythonDateString(now);
    switch (decision.kind) {
      case 'joined':
        return [
          { kind: 'settle', to: by, when: 'accepted' },
          to(by, legacyPacket('approved_conn', LEGACY_SERVER_NAME, LEGACY_MESSAGES.joined, date)),
          ...this.listUpdate(room, 'client_list_update_add', date),
        ];
      case 'refused':
        return [
          { kind: 'settle', to: by, when: 'refused' },
          to(by, legacyPacket('username_taken', LEGACY_SERVER_NAME, LEGACY_MESSAGES.taken, date)),
        ];
      case 'message':
        // A legacy client lives in #lobby (10.6, 7.15): the decision's room.
        return [
          {
            kind: 'broadcast',
            packet: encode(legacyPacket('default', decision.from, decision.text, date)),
            except: by,
            among: decision.room.members,
          },
        ];
      case 'export':
        return [to(by, legacyPacket('export', LEGACY_SERVER_NAME, this.exportText(room), date))];
      case 'notice': {
        const text = `[!] ${decision.error.message} (${decision.error.code})`;
        return [to(by, legacyPacket('default', LEGACY_SERVER_NAME, text, date))];
      }
      case 'left': {
        const text = LEGACY_MESSAGES.left.replace('{name}', decision.name);
        const notice = legacyPacket('default', LEGACY_SERVER_NAME, text, date, 'allhosts');
        return [
          { kind: 'broadcast', packet: encode(notice), among: room.rooms.lobby.members },
          ...this.listUpdate(room, 'disconnection', date),
        ];
      }
      default:
        // private messages and who do not exist in legacy (10).
        return [];
    }
  }

  ping(): null {
    return null;
  }

  /** legacy has no way to say lines were skipped, so it never sheds them (11, maxQueuedBytes). */
  skipped(): null {
    return null;
  }

  readonly neverSheds = true;

  tick(): readonly Delivery[] {
    return [];
  }

  /** Each member of #lobby gets the names of the others there (10.2, 10.4, 10.6). */
  private listUpdate(
    room: Room<ConnId>,
    typ: 'client_list_update_add' | 'disconnection',
    date: string,
  ): Delivery[] {
    const all = room.names();
    const out: Delivery[] = [];
    for (const member of room.rooms.lobby.members) {
      const own = room.nameOf(member);
      out.push(
        to(
          member,
          legacyPacket(
            typ,
            LEGACY_SERVER_NAME,
            all.filter((n) => n !== own),
            date,
          ),
        ),
      );
    }
    return out;
  }

  /**
   * The log as one export packet's text. The reply must fit one frame: base64 grows by 4/3, the
   * other fields take under 512 bytes. Each line costs its JSON-escaped length (1 to 6 characters
   * per character) plus its escaped newline; the oldest lines go only when the whole log does not
   * fit (10.5). Each chat line stays one line (displayText: line breaks as " ↵ ", controls and
   * invisible characters as U+FFFD), so a line holding "\nalice> ..." cannot forge another (10.5).
   */
  private exportText(room: Room<ConnId>): string {
    const lines: string[] = [];
    for (const e of room.entries())
      if (e.kind === 'message') lines.push(`${displayText(e.from)}> ${displayText(e.text)}`);
    const budget = Math.floor((this.limits.maxFrame * 3) / 4) - 512;
    const cost = (line: string) => pythonJsonString(line).length; // quotes stand for "\n"
    let size = cost(LEGACY_EXPORT_HEADER) + lines.reduce((n, line) => n + cost(line), 0);
    let first = 0;
    while (size > budget && first < lines.length) size -= cost(lines[first++]);
    return legacyExportText(lines.slice(first));
  }
}

/** A sans-IO legacy chat server. */
export function createLegacyServer(options: LegacyServerOptions): ChatServer<LegacyServerConnectionEvent> {
  const limits: Limits = { ...LIMITS, ...options.limits };
  return new ChatServer(
    new LegacyDialect(options, limits),
    new Room(LEGACY_NAME_RULES, limits, false, options.guards),
    limits,
    options,
  );
}
