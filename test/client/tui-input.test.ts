import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FrameScheduler, type FrameTimers } from '../../reference-client/tui/frame-scheduler.js';
import { filterTerminalInput, TerminalInputFilter } from '../../reference-client/tui/terminal-input.js';
import { pastedText } from '../../reference-client/view/input-line.js';

/** Timers on a fake clock: `advance` runs what falls due. */
function fakeTimers() {
  let now = 1000;
  let next = 0;
  const due = new Map<number, { at: number; run: () => void }>();
  const timers: FrameTimers = {
    now: () => now,
    setTimeout: (run, ms) => {
      due.set(++next, { at: now + ms, run });
      return next;
    },
    clearTimeout: (handle) => {
      due.delete(handle as number);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > now) continue;
      due.delete(id);
      t.run();
    }
  };
  return { timers, advance, pending: () => due.size };
}

describe('FrameScheduler', () => {
  it('draws once for any number of requests in a frame, never inside the request', () => {
    const clock = fakeTimers();
    let draws = 0;
    const frames = new FrameScheduler(() => draws++, clock.timers, 33);
    for (let i = 0; i < 500; i++) frames.request();
    expect(draws).toBe(0);
    clock.advance(0);
    expect(draws).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it('keeps at most one draw per frame interval', () => {
    const clock = fakeTimers();
    let draws = 0;
    const frames = new FrameScheduler(() => draws++, clock.timers, 33);
    frames.request();
    clock.advance(0);
    frames.request();
    clock.advance(10);
    expect(draws).toBe(1); // the next frame is due 33 ms after the last draw
    frames.request();
    clock.advance(23);
    expect(draws).toBe(2);
    clock.advance(100);
    expect(draws).toBe(2); // nothing asked for: nothing drawn
  });

  it('draws at once on drawNow, answering a waiting request, and not after stop', () => {
    const clock = fakeTimers();
    let draws = 0;
    const frames = new FrameScheduler(() => draws++, clock.timers, 33);
    frames.request();
    frames.drawNow();
    expect(draws).toBe(1);
    clock.advance(100);
    expect(draws).toBe(1);
    frames.request();
    frames.stop();
    frames.drawNow();
    clock.advance(100);
    expect(draws).toBe(1);
  });
});

describe('TerminalInputFilter', () => {
  it('takes a bracketed paste out whole, keys before and after it in order', () => {
    const filter = new TerminalInputFilter();
    expect(filter.feed('ab\x1b[200~pasted\rtext\x1b[201~\r')).toEqual([
      { kind: 'keys', text: 'ab' },
      { kind: 'paste', text: 'pasted\rtext' },
      { kind: 'keys', text: '\r' },
    ]);
  });

  it('joins a paste that comes in several chunks, the end marker split between two', () => {
    const filter = new TerminalInputFilter();
    const long = 'x'.repeat(1000);
    expect(filter.feed(`\x1b[200~${long.slice(0, 600)}`)).toEqual([]);
    expect(filter.feed(`${long.slice(600)}\x1b[20`)).toEqual([]);
    expect(filter.feed('1~y')).toEqual([
      { kind: 'paste', text: long },
      { kind: 'keys', text: 'y' },
    ]);
  });

  it('reports focus in and out, and passes every other sequence on as keys', () => {
    const filter = new TerminalInputFilter();
    expect(filter.feed('\x1b[O\x1b[A\x1b[I')).toEqual([
      { kind: 'focus', focused: false },
      { kind: 'keys', text: '\x1b[A' },
      { kind: 'focus', focused: true },
    ]);
    expect(filter.feed('\x1b')).toEqual([{ kind: 'keys', text: '\x1b' }]);
  });

  it('filters a stream before its data listeners, and can be undone', () => {
    const input = new EventEmitter() as unknown as NodeJS.ReadableStream;
    const seen: string[] = [];
    const pastes: string[] = [];
    const focus: boolean[] = [];
    input.on('data', (d: Buffer) => seen.push(d.toString()));
    const undo = filterTerminalInput(
      input,
      (t) => pastes.push(t),
      (f) => focus.push(f),
    );
    input.emit('data', Buffer.from('a\x1b[200~p\nq\x1b[201~b\x1b[O'));
    input.emit('end');
    expect([seen, pastes, focus]).toEqual([['a', 'b'], ['p\nq'], [false]]);
    undo();
    input.emit('data', Buffer.from('\x1b[I'));
    expect(seen).toEqual(['a', 'b', '\x1b[I']);
  });

  it('turns line breaks and tabs of a paste into spaces', () => {
    expect(pastedText('one\r\ntwo\nthree\rfour\tfive')).toBe('one two three four five');
  });
});
