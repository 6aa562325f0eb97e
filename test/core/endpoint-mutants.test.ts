/**
 * The endpoint base classes (session/endpoint.ts) on a small machine of their own, where each rule
 * is plain: takeOutput's window (whole records up to `max`, at least one, handed over without a
 * copy when there is one), the sticky error (the first one stays, only a local one is told to the
 * peer, nothing runs after it), and a guarded packet holding the rest of a read until the verdict
 * (13.1, 13.3).
 */
import { describe, expect, it } from 'vitest';
import { type ParleyError, parleyError } from '../../src/errors.js';
import { Endpoint, type EndpointEvent, VerdictEndpoint } from '../../src/session/endpoint.js';
import { type MachineTable, StateMachine } from '../../src/session/machine.js';

const TABLE: MachineTable = {
  section: '13.9',
  initial: 'OPEN',
  states: ['OPEN', 'WAIT', 'IN', 'ERROR', 'CLOSED'],
  table: {
    OPEN: {
      note: [{ when: null, to: 'OPEN' }],
      join: [
        { when: 'accepted', to: 'IN' },
        { when: 'refused', to: 'OPEN' },
      ],
      bye: [{ when: null, to: 'CLOSED' }],
    },
    IN: { note: [{ when: null, to: 'IN' }], join: [{ when: null, to: 'IN' }] },
  },
};

/** An endpoint whose output the test queues itself, and which records what it told the peer. */
class Probe extends Endpoint<string, string> {
  readonly told: ParleyError[] = [];
  constructor() {
    super(new StateMachine(TABLE, 'probe'));
  }
  put(bytes: Buffer): void {
    this.queue(bytes);
  }
  run(step: () => void): EndpointEvent<string>[] {
    return this.guarded([], step);
  }
  get sealed(): number {
    return this.sealedBytes;
  }
  protected notifyPeer(error: ParleyError): void {
    this.told.push(error);
  }
}

/** A verdict endpoint that reads one word per step ("join" waits for the verdict). */
class Words extends VerdictEndpoint<string, string, 'accepted' | 'refused'> {
  protected readonly verdictEvent = 'join';
  private words: string[] = [];
  constructor() {
    super(new StateMachine(TABLE, 'words'));
  }
  protected push(chunk: Uint8Array): void {
    this.words.push(...Buffer.from(chunk).toString().split(' ').filter(Boolean));
  }
  protected step(events: EndpointEvent<string>[]): boolean {
    const word = this.words.shift();
    if (word === undefined) return false;
    this.frames++;
    if (word === 'boom') throw new Error('boom');
    this.admit(word);
    events.push({ kind: 'packet', packet: word });
    return true;
  }
  protected notifyPeer(): void {}
}

const words = (events: readonly EndpointEvent<string>[]) =>
  events.map((e) => (e.kind === 'packet' ? e.packet : e.kind === 'error' ? `error ${e.error.code}` : e.kind));

describe('Endpoint.takeOutput', () => {
  it('gives nothing as an empty buffer, and one record as the very Buffer queued', () => {
    const p = new Probe();
    expect(p.takeOutput().length).toBe(0);
    const one = Buffer.from('abc');
    p.put(one);
    expect(p.pendingBytes).toBe(3);
    expect(p.takeOutput()).toBe(one);
    expect(p.pendingBytes).toBe(0);
    expect(p.takeOutput().length).toBe(0);
  });

  it('gives everything joined when it fits the window, and empties the queue', () => {
    const p = new Probe();
    p.put(Buffer.from('ab'));
    p.put(Buffer.from('cd'));
    expect(p.takeOutput(4).toString()).toBe('abcd');
    expect(p.pendingBytes).toBe(0);
    expect(p.sealed).toBe(0);
  });

  it('gives whole records up to the window exactly, at least one, and keeps the rest in order', () => {
    const p = new Probe();
    for (const text of ['aaa', 'bb', 'c', 'dddd']) p.put(Buffer.from(text));
    expect(p.takeOutput(6).toString()).toBe('aaabbc'); // exactly the window
    expect(p.pendingBytes).toBe(4);
    p.put(Buffer.from('e'));
    expect(p.takeOutput(2).toString()).toBe('dddd'); // one record even past the window
    expect(p.pendingBytes).toBe(1);
    expect(p.sealed).toBe(1);
    p.put(Buffer.from('ff'));
    expect(p.takeOutput(1).toString()).toBe('e');
    expect(p.takeOutput().toString()).toBe('ff');
  });

  it('hands one record over as it is when only it fits the window', () => {
    const p = new Probe();
    const first = Buffer.from('12345');
    p.put(first);
    p.put(Buffer.from('6'));
    expect(p.takeOutput(5)).toBe(first);
  });

  it('drops the sealed output on dropSealed, and sheds nothing by default', () => {
    const p = new Probe();
    p.put(Buffer.from('abc'));
    expect(p.shed(0)).toBe(0);
    expect(p.pendingBytes).toBe(3);
    p.dropSealed();
    expect(p.pendingBytes).toBe(0);
    expect(p.takeOutput().length).toBe(0);
  });
});

describe('Endpoint: the sticky error (4)', () => {
  it('turns a throw into one error event, tells the peer a local error, and runs nothing after', () => {
    const p = new Probe();
    const events = p.run(() => {
      throw new Error('bug');
    });
    expect(events).toEqual([{ kind: 'error', error: expect.objectContaining({ code: 'INTERNAL_ERROR' }) }]);
    expect(p.state).toBe('ERROR');
    expect(p.failure?.message).toBe('internal error: bug');
    expect(p.told.map((e) => e.code)).toEqual(['INTERNAL_ERROR']);
    let ran = false;
    expect(p.run(() => (ran = true))).toEqual([]);
    expect(ran).toBe(false);
  });

  it('keeps the first error: a later failWith returns it and tells the peer nothing more', () => {
    const p = new Probe();
    const first = p.failWith(parleyError('PACKET_MALFORMED', 'first'));
    const second = p.failWith(parleyError('DECRYPT_FAILED', 'second'));
    expect(second).toBe(first);
    expect(p.failure).toBe(first);
    expect(p.told).toEqual([first]);
  });

  it('does not tell the peer an error the peer itself reported', () => {
    const p = new Probe();
    const remote = parleyError('NAME_TAKEN', 'server: taken', 'remote');
    expect(p.failWith(remote)).toBe(remote);
    expect(p.failure).toBe(remote);
    expect(p.told).toEqual([]);
    expect(p.state).toBe('ERROR');
  });
});

describe('VerdictEndpoint: a guarded packet holds the rest of the read (13.1, 13.3)', () => {
  it('holds what follows a guarded packet until settle, then hands it on in the new state', () => {
    const w = new Words();
    expect(words(w.receive(Buffer.from('note join note note')))).toEqual(['note', 'join']);
    expect(w.awaitingVerdict).toBe(true);
    expect(w.framesReceived).toBe(2);
    expect(w.resumeHeld()).toEqual([]);
    w.settle('accepted');
    expect(w.awaitingVerdict).toBe(false);
    expect(w.state).toBe('IN');
    expect(words(w.resumeHeld())).toEqual(['note', 'note']);
    expect(w.framesReceived).toBe(4);
  });

  it('fires an unguarded transition at once (no verdict to wait for)', () => {
    const w = new Words();
    w.receive(Buffer.from('join'));
    w.settle('accepted');
    expect(words(w.receive(Buffer.from('join note')))).toEqual(['join', 'note']);
    expect(w.awaitingVerdict).toBe(false);
    expect(w.state).toBe('IN');
  });

  it('a new read starts unheld; a refused verdict goes back', () => {
    const w = new Words();
    w.receive(Buffer.from('join'));
    expect(w.awaitingVerdict).toBe(true);
    expect(words(w.receive(Buffer.from('note')))).toEqual(['note']);
    expect(w.awaitingVerdict).toBe(false);
    w.settle('refused');
    expect(w.state).toBe('OPEN');
  });

  it('refuses an event with no transition here, and stops at a terminal state', () => {
    const w = new Words();
    expect(words(w.receive(Buffer.from('dance note')))).toEqual(['error PACKET_UNEXPECTED']);
    expect(w.state).toBe('ERROR');
    const v = new Words();
    expect(words(v.receive(Buffer.from('bye note')))).toEqual(['bye']);
    expect(v.state).toBe('CLOSED');
    expect(v.resumeHeld()).toEqual([]);
    const x = new Words();
    expect(words(x.receive(Buffer.from('note boom note')))).toEqual(['note', 'error INTERNAL_ERROR']);
  });
});
