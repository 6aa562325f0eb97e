/**
 * Runs one of the spec's transition tables (section 13).
 *
 * How this works: the tables are data, generated from spec/parley.spec.json; this file holds no
 * protocol knowledge. `fire(event, when)` looks up (state, event, when) and moves, or throws
 * PACKET_UNEXPECTED when the table has no such entry. `fail()` moves to ERROR, which sticks:
 * nothing fires from there. Local sends are events named `send:<type>`.
 */
import { parleyError } from '../errors.js';

export interface MachineTable {
  readonly section: string;
  readonly initial: string;
  readonly states: readonly string[];
  readonly table: {
    readonly [state: string]: {
      readonly [event: string]: ReadonlyArray<{ readonly when: string | null; readonly to: string }>;
    };
  };
}

export class StateMachine<S extends string = string> {
  private current: S;

  constructor(
    readonly machine: MachineTable,
    readonly label: string,
  ) {
    this.current = machine.initial as S;
  }

  get state(): S {
    return this.current;
  }

  get terminal(): boolean {
    return this.current === 'ERROR' || this.current === 'CLOSED';
  }

  /** Is there any transition for `event` from the current state? */
  allows(event: string): boolean {
    return (this.machine.table[this.current]?.[event]?.length ?? 0) > 0;
  }

  /** Whether the table lists a transition for `event` here without a guard (no allocation: per packet). */
  hasUnguarded(event: string): boolean {
    const options = this.machine.table[this.current]?.[event];
    if (!options) return false;
    for (const t of options) if (t.when === null) return true;
    return false;
  }

  /** The guards (`when` values) the table lists for `event` here; [null] for an unguarded one. */
  guards(event: string): readonly (string | null)[] {
    return (this.machine.table[this.current]?.[event] ?? []).map((t) => t.when);
  }

  /** Applies the transition for (state, event, when); PACKET_UNEXPECTED if there is none. */
  fire(event: string, when: string | null = null): S {
    // A plain loop, no closure: this runs for every packet received and sent.
    const options = this.machine.table[this.current]?.[event];
    let hit: { readonly to: string } | undefined;
    if (options)
      for (const t of options)
        if (t.when === when) {
          hit = t;
          break;
        }
    if (!hit) {
      const guard = when ? ` (${when})` : '';
      throw parleyError(
        'PACKET_UNEXPECTED',
        `${this.label}: ${event}${guard} is not allowed in state ${this.current} (spec ${this.machine.section})`,
      );
    }
    this.current = hit.to as S;
    return this.current;
  }

  /** Moves to ERROR for good. */
  fail(): void {
    this.current = 'ERROR' as S;
  }

  /** Moves to CLOSED unless already in ERROR. */
  close(): void {
    if (this.current !== 'ERROR') this.current = 'CLOSED' as S;
  }
}
