// Facts about the spec's shape shared by the checks and the emitters: its default path, the local machine
// events, the order of the machines and how section ids nest.

export const SPEC_NAME = 'spec/parley.spec.json';

/** Events a machine may react to that are neither a received packet nor `send:X`. */
export const LOCAL_EVENTS = Object.freeze(['open', 'eof', 'timeout', 'shutdown']);

/** The top-level section of a section id: `3.2` -> `3`. */
export const topSection = (id) => id.split('.')[0];

/** Every state machine as `[profile, role]`, in the order they are emitted. */
export const MACHINE_LIST = [
  ['v2', 'server'],
  ['v2', 'client'],
  ['legacy', 'server'],
  ['legacy', 'client'],
];
