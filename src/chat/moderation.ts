/**
 * Operators, bans and mutes (spec 7.18, feature moderation): the server's moderation state as
 * data, with time passed in and the address-hash secret drawn by the caller from its randomness.
 *
 * How this works: an operator is a key whose full fingerprint is listed. A ban or a mute covers a
 * key (its full fingerprint) or an address hash (HMAC-SHA256 of the address's counting key, 11,
 * under a per-run secret, cut to 12 base64 characters: stable for the run, telling nothing of
 * the address). Both end at `until` (ms, 0 for never) and are dropped lazily once past it. Bans
 * get ids from one counter, mutes from another, and each list is bounded here, in one place
 * (maxBans, maxMutes, 11). A mute may be scoped to a room, by the room's 7.2 key, and ends with
 * that room (`roomGone`). Key bans may be saved and loaded by the adapter (the address hashes
 * mean nothing after a restart, since the secret is per run). Nothing here reads a clock or a
 * file: the room (room.ts) asks, and the server saves what `takeSave` hands it.
 */
import { createHmac } from 'node:crypto';
import type { Limits } from '../generated/constants.js';
import type { V2PacketOf } from '../generated/v2-packets.js';

/** One ban as ban_list shows it (7.18). */
export type Ban = V2PacketOf<'ban_list'>['bans'][number];

/** What a ban or mute covers: a key's full fingerprint, or an address hash. */
export interface Target {
  readonly kind: 'key' | 'addr';
  readonly target: string;
}

/** Who a member is, for the checks: its key's full fingerprint (or null) and its address hash. */
export interface Identity {
  readonly fingerprint: string | null;
  readonly addr: string | null;
}

/** One mute as mute_list shows it (7.18). */
export type MuteEntry = V2PacketOf<'mute_list'>['mutes'][number];

/** A mute in force: its entry, and the 7.2 key of the room it is scoped to (null: server-wide). */
interface Mute {
  readonly entry: MuteEntry;
  readonly roomKey: string | null;
}

/** The room a mute is scoped to: its 7.2 key (matching) and its spelling (mute_list). */
export interface MuteScope {
  readonly key: string;
  readonly name: string;
}

/** The key bans a ban file holds (7.18): what the adapter writes and reads back. */
export interface SavedBans {
  readonly version: 1;
  readonly bans: readonly Ban[];
}

export interface ModerationOptions {
  /** Full fingerprints of the operators' keys (7.18). */
  readonly operators?: Iterable<string>;
  /** 32 random bytes for the address hashes, from the server's randomness (never written). */
  readonly addressSecret: Buffer;
  /** Operators' whois also tells the address (`--ops-see-addresses`, 7.18). */
  readonly opsSeeAddresses?: boolean;
  /** Key bans kept from an earlier run (a ban file), already validated (parseSavedBans). */
  readonly saved?: SavedBans;
  /** True when the adapter keeps a ban file: changes to key bans are handed out to save. */
  readonly persist?: boolean;
}

export class Moderation {
  private readonly operators: ReadonlySet<string>;
  private readonly secret: Buffer;
  readonly opsSeeAddresses: boolean;
  private readonly bans = new Map<number, Ban>();
  private readonly mutes = new Map<number, Mute>();
  private nextId = 1;
  private nextMuteId = 1;
  private readonly persist: boolean;
  private unsaved = false;
  /** The message of the day an operator set (7.18): undefined while none has, '' for none. */
  motd: string | undefined;

  constructor(
    private readonly limits: Pick<Limits, 'maxBans' | 'maxMutes'>,
    options: ModerationOptions,
  ) {
    this.operators = new Set(options.operators ?? []);
    if (options.addressSecret.length < 32) throw new RangeError('the address secret is 32 bytes');
    this.secret = options.addressSecret;
    this.opsSeeAddresses = options.opsSeeAddresses ?? false;
    this.persist = options.persist ?? false;
    for (const ban of options.saved?.bans ?? []) {
      this.bans.set(ban.id, ban);
      this.nextId = Math.max(this.nextId, ban.id + 1);
    }
  }

  /** The address hash of 7.18 for an address's counting key (admission.ts addressKey). */
  addressHash(addressKey: string): string {
    return createHmac('sha256', this.secret).update(addressKey, 'utf8').digest('base64').slice(0, 12);
  }

  isOperator(fingerprint: string | null): boolean {
    return fingerprint !== null && this.operators.has(fingerprint);
  }

  /** The ban in force that covers `who`, if any (7.18). */
  bannedBy(who: Identity, now: number): Ban | undefined {
    this.expire(now);
    for (const ban of this.bans.values()) if (covers(ban, who)) return ban;
    return undefined;
  }

  /** Records a ban; null when maxBans are in force already (7.18: RATE_LIMITED). */
  ban(
    target: Target,
    by: string,
    duration: number,
    now: number,
    extra: { name?: string; reason?: string },
  ): Ban | null {
    this.expire(now);
    if (this.bans.size >= this.limits.maxBans) return null;
    const ban: Ban = {
      id: this.nextId++,
      kind: target.kind,
      target: target.target,
      ...(extra.name === undefined ? {} : { name: extra.name }),
      by,
      until: duration === 0 ? 0 : now + duration * 1000,
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    };
    this.bans.set(ban.id, ban);
    if (ban.kind === 'key') this.unsaved = this.persist;
    return ban;
  }

  /** Lifts ban `id`; the ban lifted, or undefined when none has that id. */
  unban(id: number, now: number): Ban | undefined {
    this.expire(now);
    const ban = this.bans.get(id);
    if (!ban) return undefined;
    this.bans.delete(id);
    if (ban.kind === 'key') this.unsaved = this.persist;
    return ban;
  }

  /** The bans in force, oldest first. */
  list(now: number): Ban[] {
    this.expire(now);
    return [...this.bans.values()].sort((a, b) => a.id - b.id);
  }

  /**
   * Mutes `target` (server-wide when `room` is null) until `duration` seconds from now (0: no
   * end), replacing a mute of the same target and scope (7.18). Null when maxMutes are in force
   * and this one would add to them (RATE_LIMITED).
   */
  mute(
    target: Target,
    room: MuteScope | null,
    duration: number,
    now: number,
    extra: { by: string; name?: string; reason?: string },
  ): MuteEntry | null {
    this.expireMutes(now);
    const roomKey = room?.key ?? null;
    const same = [...this.mutes.values()].find(
      (m) => m.roomKey === roomKey && m.entry.kind === target.kind && m.entry.target === target.target,
    );
    if (!same && this.mutes.size >= this.limits.maxMutes) return null;
    if (same) this.mutes.delete(same.entry.id);
    const entry: MuteEntry = {
      id: this.nextMuteId++,
      kind: target.kind,
      target: target.target,
      ...(extra.name === undefined ? {} : { name: extra.name }),
      ...(room === null ? {} : { room: room.name }),
      by: extra.by,
      until: duration === 0 ? 0 : now + duration * 1000,
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    };
    this.mutes.set(entry.id, { entry, roomKey });
    return entry;
  }

  /** Lifts mute `id`; the mute lifted, or undefined when none in force has that id. */
  unmuteId(id: number, now: number): MuteEntry | undefined {
    this.expireMutes(now);
    const mute = this.mutes.get(id);
    this.mutes.delete(id);
    return mute?.entry;
  }

  /**
   * Lifts every mute that covers `who` (7.18 Unmute): those scoped to the room with 7.2 key
   * `roomKey`, or with `roomKey` undefined every one, server-wide and of any room. The mutes
   * lifted, oldest first.
   */
  unmuteCovering(who: Identity, roomKey: string | undefined, now: number): MuteEntry[] {
    this.expireMutes(now);
    const lifted: MuteEntry[] = [];
    for (const { entry, roomKey: scope } of this.mutes.values()) {
      if ((roomKey === undefined || scope === roomKey) && covers(entry, who)) {
        this.mutes.delete(entry.id);
        lifted.push(entry);
      }
    }
    return lifted;
  }

  /** True when a server-wide mute (or one of the room with 7.2 key `roomKey`) covers `who` now. */
  muted(who: Identity, now: number, roomKey: string | null = null): boolean {
    this.expireMutes(now);
    for (const m of this.mutes.values())
      if ((m.roomKey === null || m.roomKey === roomKey) && covers(m.entry, who)) return true;
    return false;
  }

  /** The mutes in force, oldest first (7.18 `mute_list`). */
  muteList(now: number): MuteEntry[] {
    this.expireMutes(now);
    return [...this.mutes.values()].map((m) => m.entry);
  }

  /** The room with 7.2 key `roomKey` emptied and was forgotten (7.15): its mutes end with it. */
  roomGone(roomKey: string): void {
    for (const [id, m] of this.mutes) if (m.roomKey === roomKey) this.mutes.delete(id);
  }

  /** The key bans to write to the ban file when they changed since the last call, else null. */
  takeSave(): SavedBans | null {
    if (!this.unsaved) return null;
    this.unsaved = false;
    return { version: 1, bans: [...this.bans.values()].filter((b) => b.kind === 'key') };
  }

  /** Mutes past their end go (a Map iterates in insertion order: ids stay oldest first). */
  private expireMutes(now: number): void {
    for (const [id, m] of this.mutes) if (ended(m.entry.until, now)) this.mutes.delete(id);
  }

  private expire(now: number): void {
    for (const [id, ban] of this.bans) {
      if (!ended(ban.until, now)) continue;
      this.bans.delete(id);
      if (ban.kind === 'key') this.unsaved = this.persist;
    }
  }
}

const ended = (until: number, now: number) => until !== 0 && until <= now;

/** What a ban or a mute of a member covers: its key when keyed, else its address hash (7.18). */
export function targetOf(who: Identity): Target | null {
  if (who.fingerprint !== null) return { kind: 'key', target: who.fingerprint };
  if (who.addr !== null) return { kind: 'addr', target: who.addr };
  return null;
}

/** True when a ban or mute of target `t` covers member `who` (7.18). */
export function covers(t: Target, who: Identity): boolean {
  return t.kind === 'key' ? t.target === who.fingerprint : t.target === who.addr;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/**
 * Reads a ban file's JSON (7.18) as SavedBans, or throws an Error saying what is wrong: the
 * adapter refuses to start on it and leaves the file alone.
 */
export function parseSavedBans(json: unknown): SavedBans {
  const fail = (why: string): never => {
    throw new Error(why);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('not a JSON object');
  const o = json as Record<string, unknown>;
  if (o.version !== 1) fail('unknown version (expected 1)');
  if (!Array.isArray(o.bans)) fail('`bans` is not a list');
  const ids = new Set<number>();
  const bans = (o.bans as unknown[]).map((b, i): Ban => {
    const e = (b ?? {}) as Record<string, unknown>;
    const where = `ban ${i + 1}`;
    if (!Number.isSafeInteger(e.id) || (e.id as number) < 1 || ids.has(e.id as number))
      fail(`${where}: bad or repeated id`);
    ids.add(e.id as number);
    if (e.kind !== 'key' || typeof e.target !== 'string' || !FINGERPRINT.test(e.target))
      fail(`${where}: not a key ban`);
    if (typeof e.by !== 'string') fail(`${where}: no operator`);
    if (!Number.isSafeInteger(e.until) || (e.until as number) < 0) fail(`${where}: bad end time`);
    for (const k of ['name', 'reason'] as const)
      if (e[k] !== undefined && typeof e[k] !== 'string') fail(`${where}: ${k} is not text`);
    return {
      id: e.id as number,
      kind: 'key',
      target: e.target as string,
      ...(e.name === undefined ? {} : { name: e.name as string }),
      by: e.by as string,
      until: e.until as number,
      ...(e.reason === undefined ? {} : { reason: e.reason as string }),
    };
  });
  return { version: 1, bans };
}
