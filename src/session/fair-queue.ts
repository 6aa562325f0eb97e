/**
 * One connection's packets queued and not yet sealed, taken in the fair order of spec 11.3 (fair
 * fan-out), and shed by its rule when the queue outgrows its limit (11, maxQueuedBytes).
 *
 * How this works: packets are kept in the order they were queued, each with its kind: a chat line
 * (`message`, `action`) with the connection id of its sender, a chat line without one, or another
 * packet. (The history sent at join is no chat line: it goes in `backlog` packets, barriers that
 * are bounded when queued instead of shed, 7.10 join budget.) Chat lines with a sender between two other packets form a
 * run; everything else is a barrier that keeps its place. Within a run the lines are taken the way
 * fq_codel serves flows: a sender whose lines waited with none of them taken yet (a new sender)
 * is served first, in the order its oldest line came; the others take turns, one line each, the
 * one served least recently first; each sender's lines in order. So one honest line waits for
 * what is already sealed, not for the backlog a flooder built up (11.3).
 *
 * The turns choose which packets go into the next record; inside a record they keep the order
 * they were queued in (11.3 allows it), so a queue whose packets all fit one record (a prompt
 * reader's) is taken whole, in order, with no turns at all. While no run holds lines of two
 * senders the queue is plain FIFO too, and the run's turns (a Turns) are only built for a run
 * that is mixed when it reaches the front. Taken lines and shed lines leave holes (null) that
 * the head skips; the arrays are compacted as the head passes them.
 *
 * A packet may be queued as the state of some member (`about`: an away notice, 7.12): it replaces
 * the one about the same member still waiting, which leaves a hole where it was, so that the
 * notices waiting are at most one per member however often their states change.
 */

/** A packet that is no chat line: it keeps its place (11.3). */
const BARRIER = -1;
/** A chat line queued without its sender: a barrier that may be shed, its lines one sender. */
const NO_SENDER = -2;

/** One sender's lines in the front run. */
interface SenderLines {
  readonly sender: number;
  /** Indices of its lines (into the queue's arrays), oldest first; `pos` is the next. */
  idx: number[];
  pos: number;
}

/**
 * Moves `lines.pos` past the lines taken or shed (holes); true when one still waits. (Past the
 * end, `idx[pos]` is undefined, and so is the packet: the loop stops there too.)
 */
function waits(lines: SenderLines, packets: readonly (Buffer | null)[]): boolean {
  while (packets[lines.idx[lines.pos]] === null) lines.pos++;
  return lines.pos < lines.idx.length;
}

/**
 * The turns of the run at the front of the queue (11.3): new senders first, in the order their
 * oldest waiting line came, then the others in turn, the one served least recently first. A
 * sender's entry in these lists may have run out of lines (taken, or shed); it is passed over
 * when it comes up, and a sender that has a line again gets a new entry (it is new again).
 */
class Turns {
  readonly bySender = new Map<number, SenderLines>();
  fresh: SenderLines[] = [];
  served: SenderLines[] = [];
  freshHead = 0;
  servedHead = 0;
  /** No barrier was queued after the run yet: new lines of any sender join it (set by startTurns). */
  open!: boolean;

  /**
   * A line of `sender` at index `i` joins the run: a sender with nothing waiting is new (11.3),
   * also when what it had waiting was shed while it kept its place among the served.
   */
  add(sender: number, i: number, servedAlready: boolean, packets: readonly (Buffer | null)[]): void {
    const lines = this.bySender.get(sender);
    if (lines !== undefined) {
      if (waits(lines, packets)) {
        lines.idx.push(i);
        return;
      }
      // Run out: the entry it may still have in the lists stays empty, and is passed over there.
      lines.idx = [];
      lines.pos = 0;
    }
    const fresh = { sender, idx: [i], pos: 0 };
    this.bySender.set(sender, fresh);
    (servedAlready ? this.served : this.fresh).push(fresh);
  }

  /** The sender whose line goes next (its next line still waiting), or undefined: run done. */
  peek(packets: readonly (Buffer | null)[]): SenderLines | undefined {
    for (;;) {
      const fromFresh = this.freshHead < this.fresh.length;
      const lines = fromFresh ? this.fresh[this.freshHead] : this.served[this.servedHead];
      if (lines === undefined || waits(lines, packets)) return lines;
      this.pop(fromFresh);
    }
  }

  /** `lines` (the one peek gave) had its next line taken: it goes to the end of the turns. */
  advance(lines: SenderLines): void {
    this.pop(this.fresh[this.freshHead] === lines);
    lines.pos++;
    this.served.push(lines);
  }

  /**
   * Lines were shed (11.3): the new senders go in the order of their oldest line still waiting,
   * which for one whose oldest lines were shed is a later one than when it joined the turns.
   */
  resort(packets: readonly (Buffer | null)[]): void {
    this.fresh = this.fresh.slice(this.freshHead).filter((lines) => waits(lines, packets));
    this.fresh.sort((a, b) => a.idx[a.pos] - b.idx[b.pos]);
    this.freshHead = 0;
  }

  /**
   * The queue's arrays lost their first `k` slots (all below the head): every index moves down by
   * k. Past its holes, a sender's next line is at or past the head, and so are those after it.
   */
  rebase(k: number, packets: readonly (Buffer | null)[]): void {
    for (const lines of this.bySender.values()) {
      waits(lines, packets);
      lines.idx = lines.idx.slice(lines.pos).map((j) => j - k);
      lines.pos = 0;
    }
  }

  private pop(fromFresh: boolean): void {
    if (fromFresh) {
      // Stryker disable next-line EqualityOperator,BlockStatement: a list whose head passed its end is emptied to free it; left as it is, it reads as empty all the same
      if (++this.freshHead >= this.fresh.length) {
        this.fresh = [];
        this.freshHead = 0;
      }
    } else {
      // Stryker disable next-line EqualityOperator,BlockStatement: as for the new senders' list
      if (++this.servedHead >= this.served.length) {
        this.served = [];
        this.servedHead = 0;
      } else this.compactServed();
    }
  }

  /** A long-passed head of the served list is cut off (its memory; the order stays as it is). */
  // Stryker disable next-line BlockStatement: not compacting at all changes memory only, as below
  private compactServed(): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator,ArithmeticOperator,BlockStatement: when (or whether) the served list is compacted changes its memory, not its order (the entries from servedHead on stay as they are)
    if (this.servedHead > 256 && this.servedHead * 2 > this.served.length) {
      this.served = this.served.slice(this.servedHead);
      this.servedHead = 0;
    }
  }
}

export class FairQueue {
  private packets: (Buffer | null)[] = [];
  /** Per packet: its sender (a connection id, >= 0), BARRIER or NO_SENDER. */
  private from: number[] = [];
  private head = 0;
  private size = 0;
  /** Some run holds lines of two senders: takes follow the turns (else plain FIFO). */
  // Stryker disable next-line BooleanLiteral: a queue taken by the turns from the start gives the same order (one sender's run is FIFO in turns too); FIFO is the speed path
  private mixed = false;
  /** Sender of the last chat line queued in the run at the tail (BARRIER: none since a barrier). */
  private tailSender = BARRIER;
  /** Sender of the last packet taken in FIFO order (BARRIER after a barrier): already served. */
  private lastTaken = BARRIER;
  /** The turns of the front run, once the queue is mixed. */
  private turns: Turns | null = null;
  /** Lines shed (holes) since the queue was last empty: the queue's array has gaps. */
  // Stryker disable next-line BooleanLiteral: as in reset(), `holes` only lets nextRecord hand out its own array
  private holes = false;
  /** Packets waiting. */
  private waiting = 0;
  /** Per member, the index of the state notice about it queued last (7.12); may have been taken. */
  private states = new Map<number, number>();

  /** Bytes of the packets waiting. */
  get bytes(): number {
    return this.size;
  }

  /** True when nothing waits. */
  get empty(): boolean {
    return this.head >= this.packets.length;
  }

  /**
   * Queues one packet: `chat` for a `message` or `action` (the lines that may be shed), with the
   * connection id of its `sender` when it has one (a sender's lines take turns with others', 11.3).
   * `about`: the packet is the away state of that member (7.12), and replaces the one still waiting.
   */
  push(packet: Buffer, chat: boolean, sender?: number, about?: number): void {
    const kind = !chat ? BARRIER : sender !== undefined && sender >= 0 ? sender : NO_SENDER;
    const i = this.packets.length;
    if (about !== undefined) this.replaceState(about, i);
    this.packets.push(packet);
    this.from.push(kind);
    this.size += packet.length;
    this.waiting++;
    if (kind < 0) {
      this.tailSender = BARRIER;
      if (this.turns !== null) this.turns.open = false;
      return;
    }
    if (this.tailSender !== kind) {
      if (this.tailSender !== BARRIER) this.mixed = true;
      this.tailSender = kind;
    }
    if (this.turns?.open) this.turns.add(kind, i, false, this.packets);
  }

  /**
   * The packets of the next record, in fair order (11.3): at least one, more while the plaintext
   * (packets and one separator between each) stays within `limit`; null when nothing waits.
   * `recordBytes` is then the packets' total size. `inOrder`: the caller takes everything waiting
   * now, record after record with no push between, so the turns have nothing to decide and the
   * server's order is kept (11.3); taken so only in part, only the sender taken last would count
   * as served when the turns start again.
   */
  nextRecord(limit: number, inOrder = false): Buffer[] | null {
    this.skipHoles();
    const n = this.packets.length;
    if (this.head >= n) return null;
    // The common case, a prompt reader's: everything waiting fits one record, which keeps the
    // server's order. It is what the turns below would give too (they pick everything, and the
    // record keeps the queue's order), without building them.
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator,BlockStatement: a speed path; the full path gives the same record
    if (this.size + this.waiting - 1 <= limit) {
      // Stryker disable next-line ConditionalExpression,LogicalOperator,BooleanLiteral,EqualityOperator: the queue's own array when it has no hole, else a copy without them: the same packets
      const all = !this.holes && this.head === 0 ? (this.packets as Buffer[]) : this.rest();
      this.recordBytes = this.size;
      this.reset();
      return all;
    }
    // Taken in order, the front run's turns no longer describe it: they are made again if needed.
    if (inOrder) this.turns = null;
    // The turns choose what goes into this record; in it, the packets keep the server's order.
    const picked: number[] = [];
    const parts: Buffer[] = [];
    let bytes = 0;
    for (;;) {
      const i = inOrder ? this.first() : this.next();
      if (i < 0) break;
      const packet = this.packets[i]!;
      if (parts.length > 0 && bytes + parts.length + packet.length > limit) break;
      picked.push(i);
      parts.push(packet);
      bytes += packet.length;
      this.take(i);
    }
    this.recordBytes = bytes;
    this.settle();
    const order = picked.map((_, k) => k).sort((a, b) => picked[a] - picked[b]);
    return order.map((k) => parts[k]);
  }

  /** The waiting packets, in order (holes left out). */
  private rest(): Buffer[] {
    const out: Buffer[] = [];
    for (let i = this.head; i < this.packets.length; i++) {
      const packet = this.packets[i];
      if (packet !== null) out.push(packet);
    }
    return out;
  }

  /** Total size of the packets nextRecord returned last. */
  recordBytes = 0;

  /**
   * Drops chat lines until `excess` bytes are gone or none is left (11.3): each time the oldest
   * waiting line of the sender holding the most bytes (lines without a sender count as one
   * sender; of equals, the one whose oldest line came first). Returns how many it dropped.
   */
  shed(excess: number): number {
    const bySender = new Map<number, { bytes: number; idx: number[]; pos: number }>();
    const order: { bytes: number; idx: number[]; pos: number }[] = [];
    for (let i = this.head; i < this.packets.length; i++) {
      const packet = this.packets[i];
      const kind = this.from[i];
      if (packet === null || kind === BARRIER) continue;
      let stat = bySender.get(kind);
      if (stat === undefined) {
        stat = { bytes: 0, idx: [], pos: 0 };
        bySender.set(kind, stat);
        order.push(stat);
      }
      stat.bytes += packet.length;
      stat.idx.push(i);
    }
    let dropped = 0;
    while (excess > 0) {
      let top: (typeof order)[number] | undefined;
      for (const stat of order) {
        if (stat.pos >= stat.idx.length) continue;
        if (
          top === undefined ||
          stat.bytes > top.bytes ||
          // Stryker disable next-line EqualityOperator: two senders' oldest lines are never the same line, so `<` and `<=` agree
          (stat.bytes === top.bytes && stat.idx[stat.pos] < top.idx[top.pos])
        )
          top = stat;
      }
      if (top === undefined) break;
      const length = this.drop(top.idx[top.pos++]);
      top.bytes -= length;
      excess -= length;
      dropped++;
    }
    this.turns?.resort(this.packets);
    if (!this.waitsInHeadRun(this.lastTaken)) this.lastTaken = BARRIER;
    this.settle();
    return dropped;
  }

  /**
   * `sender` still has a line waiting in the run at the head. (The sender whose lines were taken
   * in FIFO order is new again once its waiting lines were all shed, 11.3.)
   */
  private waitsInHeadRun(sender: number): boolean {
    // Past the end `from` is undefined, which ends the run too.
    for (let i = this.head; this.from[i] >= 0; i++)
      if (this.from[i] === sender && this.packets[i] !== null) return true;
    return false;
  }

  /**
   * 7.12: the state notice about `about` still waiting, if any, is dropped; the one queued at
   * index `i` is the member's now. A notice is a barrier: the hole it leaves changes no run, and
   * it is only ever taken at the head, so one at or past the head still waits.
   */
  private replaceState(about: number, i: number): void {
    const old = this.states.get(about);
    this.states.set(about, i);
    if ((old ?? -1) >= this.head) this.drop(old!);
  }

  /** Packet `i`, still waiting, is dropped (shed, or replaced): it leaves a hole. Returns its size. */
  private drop(i: number): number {
    const length = this.packets[i]!.length;
    this.size -= length;
    // Stryker disable next-line UpdateOperator: `waiting` only lets nextRecord take a queue that fits one record whole; counted too high, the full path gives the same record
    this.waiting--;
    this.packets[i] = null;
    this.holes = true;
    return length;
  }

  /** Index of the oldest packet waiting, or -1. */
  private first(): number {
    this.skipHoles();
    return this.head < this.packets.length ? this.head : -1;
  }

  /** Index of the packet that goes next, or -1 (11.3). */
  private next(): number {
    for (;;) {
      this.skipHoles();
      if (this.head >= this.packets.length) return -1;
      if (!this.mixed || this.from[this.head] < 0) return this.head;
      if (this.turns === null) this.turns = this.startTurns();
      const lines = this.turns.peek(this.packets);
      if (lines !== undefined) return lines.idx[lines.pos];
      // Those turns were the run before a barrier taken since: the run at the head needs its own.
      this.turns = null;
    }
  }

  /** Takes packet `i` (the one `next` gave). */
  private take(i: number): void {
    const packet = this.packets[i]!;
    const kind = this.from[i];
    this.size -= packet.length;
    // Stryker disable next-line UpdateOperator: as in drop(), `waiting` only lets nextRecord take a queue that fits one record whole
    this.waiting--;
    this.packets[i] = null;
    if (this.turns !== null && kind >= 0) {
      const lines = this.turns.bySender.get(kind)!;
      this.turns.advance(lines);
      this.lastTaken = BARRIER;
    } else this.lastTaken = kind;
  }

  /**
   * The turns of the run at the head: its senders, new ones in the order of their oldest line;
   * the sender whose lines were being taken in FIFO order just before is no new sender.
   */
  private startTurns(): Turns {
    const turns = new Turns();
    let i = this.head;
    for (; i < this.packets.length; i++) {
      const kind = this.from[i];
      if (kind < 0) break;
      // A hole (a line shed) is passed over by the turns like one taken; add() sees to it.
      turns.add(kind, i, kind === this.lastTaken, this.packets);
    }
    turns.open = i >= this.packets.length;
    this.lastTaken = BARRIER;
    return turns;
  }

  private skipHoles(): void {
    // Past the end the packet is undefined, not null: the loop stops there too.
    while (this.packets[this.head] === null) {
      // A barrier replaced (7.12) or a line without a sender shed still ends its run: past it, a
      // new run starts, where every sender is new (11.3).
      if (this.from[this.head] < 0) this.lastTaken = BARRIER;
      this.head++;
    }
  }

  /** After a take or a shed: an empty queue starts over; a long-passed head is compacted. */
  private settle(): void {
    this.skipHoles();
    const head = this.head;
    if (head >= this.packets.length) {
      this.reset();
      return;
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator,ArithmeticOperator,BlockStatement: when (or whether) the arrays are compacted changes their memory, not what waits (what the body keeps consistent, the indices of from, turns and states, is what tests pin)
    if (head > 1024 && head * 2 > this.packets.length) {
      // The turns first: they look up their holes in the arrays as they are.
      this.turns?.rebase(head, this.packets);
      this.packets = this.packets.slice(head);
      this.from = this.from.slice(head);
      this.head = 0;
      // A notice already taken lands below 0, where replaceState ignores it as it did below the head.
      for (const [about, i] of this.states) this.states.set(about, i - head);
    }
  }

  private reset(): void {
    this.packets = [];
    this.from = [];
    this.head = 0;
    this.size = 0;
    // Stryker disable next-line BooleanLiteral: as at the start (mixed), the turns would give the same order
    this.mixed = false;
    this.tailSender = BARRIER;
    this.turns = null;
    // Stryker disable next-line BooleanLiteral: `holes` only lets nextRecord hand out its own array; with it set, it copies the same packets
    this.holes = false;
    this.waiting = 0;
    this.lastTaken = BARRIER;
    this.states.clear();
  }
}
