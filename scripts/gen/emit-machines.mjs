// Emitter for src/generated/machines.ts: each state machine as a transition table, with its state and
// event types.

import { MACHINE_LIST } from './spec-model.mjs';
import { pascal } from './text.mjs';
import { decl, doc, q, raw, tsFile } from './ts.mjs';

function machineTable(machine) {
  const table = {};
  for (const state of Object.keys(machine.states)) table[state] = {};
  for (const t of machine.transitions) {
    const row = table[t.from];
    row[t.on] ??= [];
    row[t.on].push({ when: t.when ?? null, to: t.to });
  }
  return table;
}

function guardUnion(machine) {
  const guards = [...new Set(machine.transitions.flatMap((t) => (t.when ? [t.when] : [])))];
  return guards.length ? guards.map(q).join(' | ') : 'never';
}

export function genMachines(spec) {
  const parts = [
    [
      'export interface MachineTransition<S extends string = string> {',
      '  /** The guard that picks this transition among those on the same event, or null. */',
      '  readonly when: string | null;',
      '  readonly to: S;',
      '}',
      '',
      'export interface MachineDef<S extends string = string> {',
      '  readonly section: string;',
      '  readonly initial: S;',
      '  readonly states: readonly S[];',
      '  /**',
      '   * state -> event -> transitions. An event is a packet type received, `send:X` when this side sends',
      '   * packet X, or a local event. A packet with no entry is PACKET_UNEXPECTED.',
      '   */',
      '  readonly table: { readonly [K in S]: { readonly [event: string]: ReadonlyArray<MachineTransition<S>> } };',
      '}',
    ].join('\n'),
  ];
  for (const [profile, role] of MACHINE_LIST) {
    const machine = spec.profiles[profile].machines[role];
    const constName = `${profile.toUpperCase()}_${role.toUpperCase()}_MACHINE`;
    const typeName = `${pascal(profile)}${pascal(role)}`;
    const value = {
      section: machine.section,
      initial: machine.initial,
      states: Object.keys(machine.states),
      table: machineTable(machine),
    };
    parts.push(
      [
        doc(`The ${profile} ${role} state machine (section ${machine.section}).`),
        decl(`export const ${constName} = `, value, ' as const satisfies MachineDef;'),
        '',
        `export type ${typeName}State = (typeof ${constName}.states)[number];`,
        `export type ${typeName}Event = {`,
        `  [S in ${typeName}State]: keyof (typeof ${constName}.table)[S];`,
        `}[${typeName}State];`,
        '',
        doc('The guards (`when`) that pick among transitions on one event.'),
        `export type ${typeName}Guard = ${guardUnion(machine)};`,
      ].join('\n'),
    );
  }
  const all = Object.fromEntries(
    MACHINE_LIST.map(([p, r]) => [`${p}/${r}`, raw(`${p.toUpperCase()}_${r.toUpperCase()}_MACHINE`)]),
  );
  parts.push(
    [
      doc('Every machine, keyed `profile/role`.'),
      decl(`export const MACHINES = `, all, ' as const satisfies Readonly<Record<string, MachineDef>>;'),
      '',
      'export type MachineName = keyof typeof MACHINES;',
    ].join('\n'),
  );
  return tsFile(parts);
}
