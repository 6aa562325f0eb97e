/**
 * StateMachine's queries and refusals (spec 13) on a small table of its own, where each case is
 * plain: an event listed with no transition, guarded and unguarded entries side by side, a state
 * the table does not list, and what a refusal says.
 */
import { describe, expect, it } from 'vitest';
import { type MachineTable, StateMachine } from '../../src/session/machine.js';

const TABLE: MachineTable = {
  section: '13.9',
  initial: 'IDLE',
  states: ['IDLE', 'OPEN', 'ERROR', 'CLOSED'],
  table: {
    IDLE: {
      open: [{ when: null, to: 'OPEN' }],
      knock: [{ when: 'polite', to: 'OPEN' }],
      both: [
        { when: 'fast', to: 'CLOSED' },
        { when: null, to: 'OPEN' },
      ],
      listedEmpty: [],
    },
    OPEN: { close: [{ when: null, to: 'CLOSED' }] },
  },
};

const machine = (initial = 'IDLE') => new StateMachine({ ...TABLE, initial }, 'toy');

function refusal(fn: () => unknown): { code?: string; message?: string } | null {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message?: string };
  }
  return null;
}

describe('StateMachine (13)', () => {
  it("starts in the table's initial state, not terminal", () => {
    const m = machine();
    expect(m.state).toBe('IDLE');
    expect(m.terminal).toBe(false);
    expect(m.label).toBe('toy');
  });

  it('allows an event only when a transition is listed for it here', () => {
    const m = machine();
    expect(m.allows('open')).toBe(true);
    expect(m.allows('knock')).toBe(true);
    expect(m.allows('listedEmpty')).toBe(false);
    expect(m.allows('close')).toBe(false);
    expect(machine('NOWHERE').allows('open')).toBe(false);
  });

  it('tells an unguarded transition from guarded ones', () => {
    const m = machine();
    expect(m.hasUnguarded('open')).toBe(true);
    expect(m.hasUnguarded('both')).toBe(true);
    expect(m.hasUnguarded('knock')).toBe(false);
    expect(m.hasUnguarded('listedEmpty')).toBe(false);
    expect(m.hasUnguarded('close')).toBe(false);
    expect(machine('NOWHERE').hasUnguarded('open')).toBe(false);
  });

  it('lists the guards of an event here, none for an unlisted one', () => {
    const m = machine();
    expect(m.guards('both')).toEqual(['fast', null]);
    expect(m.guards('open')).toEqual([null]);
    expect(m.guards('close')).toEqual([]);
    expect(machine('NOWHERE').guards('open')).toEqual([]);
  });

  it('fires the entry whose guard matches, unguarded by default', () => {
    expect(machine().fire('both')).toBe('OPEN');
    expect(machine().fire('both', 'fast')).toBe('CLOSED');
    const m = machine();
    expect(m.fire('knock', 'polite')).toBe('OPEN');
    expect(m.state).toBe('OPEN');
    expect(m.fire('close')).toBe('CLOSED');
    expect(m.terminal).toBe(true);
  });

  it('refuses what the table does not list, naming the event, guard, state and section', () => {
    const m = machine();
    expect(refusal(() => m.fire('knock'))).toMatchObject({
      code: 'PACKET_UNEXPECTED',
      message: expect.stringContaining('toy: knock is not allowed in state IDLE (spec 13.9)'),
    });
    expect(refusal(() => m.fire('knock', 'rude'))).toMatchObject({
      message: expect.stringContaining('toy: knock (rude) is not allowed in state IDLE (spec 13.9)'),
    });
    expect(refusal(() => m.fire('listedEmpty'))).toMatchObject({ code: 'PACKET_UNEXPECTED' });
    expect(refusal(() => machine('NOWHERE').fire('open'))).toMatchObject({ code: 'PACKET_UNEXPECTED' });
    expect(m.state).toBe('IDLE');
  });

  it('keeps ERROR for good: close does not leave it, nothing fires from it', () => {
    const m = machine();
    m.fail();
    expect(m.state).toBe('ERROR');
    expect(m.terminal).toBe(true);
    m.close();
    expect(m.state).toBe('ERROR');
    expect(refusal(() => m.fire('open'))).toMatchObject({ code: 'PACKET_UNEXPECTED' });
  });

  it('closes from any other state', () => {
    const m = machine('OPEN');
    m.close();
    expect(m.state).toBe('CLOSED');
    expect(m.terminal).toBe(true);
  });
});
