// Loading a spec: reading the JSON, validating it against the format (spec-format.mjs) and checking the
// references between its parts (unique names, sections, error codes, regular expressions, machines).

import { readFileSync } from 'node:fs';
import { specFormat } from '../spec-format.mjs';
import { LOCAL_EVENTS, topSection } from './spec-model.mjs';

/** `['a', 0, 'b']` -> `a[0].b`. */
export function formatPath(parts) {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(part))) out += out ? `.${String(part)}` : String(part);
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(root)';
}

/** Checks the spec against the format schema. Returns `{ spec }` or `{ errors }` (one line per issue). */
export function validateFormat(raw) {
  const result = specFormat.safeParse(raw);
  if (result.success) return { spec: result.data, errors: [] };
  const errors = [];
  const visit = (issues, base) => {
    for (const issue of issues) {
      const where = [...base, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) errors.push(`${formatPath([...where, key])}: unknown key`);
      } else if (issue.code === 'invalid_key' && issue.issues?.length) {
        for (const inner of issue.issues) errors.push(`${formatPath(where)}: invalid key: ${inner.message}`);
      } else if (issue.code === 'invalid_union' && issue.errors?.length === 1) {
        visit(issue.errors[0], where);
      } else {
        errors.push(`${formatPath(where)}: ${issue.message}`);
      }
    }
  };
  visit(result.error.issues, []);
  return { errors };
}

function duplicates(values) {
  const seen = new Set();
  const dups = new Set();
  for (const v of values) (seen.has(v) ? dups : seen).add(v);
  return dups;
}

/**
 * Checks the references between parts of a spec that already matches the format.
 * Returns a list of `path: message` lines; empty when the spec is consistent.
 */
export function checkReferences(spec) {
  const errors = [];
  const err = (parts, message) => errors.push(`${formatPath(parts)}: ${message}`);
  const { v2, legacy } = spec.profiles;

  // Unique names.
  const unique = (list, key, where) => {
    const dups = duplicates(list.map((x) => x[key]));
    list.forEach((x, i) => {
      if (dups.has(x[key])) err([...where, i, key], `duplicate ${key} ${JSON.stringify(x[key])}`);
    });
  };
  unique(spec.sections, 'id', ['sections']);
  unique(spec.limits, 'name', ['limits']);
  unique(spec.errors, 'code', ['errors']);
  unique(spec.framing.outcomes, 'id', ['framing', 'outcomes']);
  unique(v2.crypto.groups, 'name', ['profiles', 'v2', 'crypto', 'groups']);
  unique(v2.packets, 'type', ['profiles', 'v2', 'packets']);
  unique(legacy.packets, 'typ', ['profiles', 'legacy', 'packets']);

  // Section references point into a declared top-level section.
  const sectionIds = new Set(spec.sections.map((s) => s.id));
  const checkSection = (value, where) => {
    if (!sectionIds.has(topSection(value))) {
      err(where, `section ${value} is not under any declared section (${[...sectionIds].join(', ')})`);
    }
  };
  const walkSections = (node, where) => {
    if (Array.isArray(node)) {
      for (const [i, x] of node.entries()) walkSections(x, [...where, i]);
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'section' && typeof v === 'string') checkSection(v, [...where, k]);
        else if (k !== 'sections') walkSections(v, [...where, k]);
      }
    }
  };
  walkSections(spec, []);

  // Error codes.
  const codes = new Set(spec.errors.map((e) => e.code));
  spec.framing.outcomes.forEach((o, i) => {
    if (o.code !== null && !codes.has(o.code)) {
      err(['framing', 'outcomes', i, 'code'], `unknown error code ${JSON.stringify(o.code)}`);
    }
  });

  // Regular expressions.
  const checkRegex = (source, flags, where) => {
    try {
      new RegExp(source, flags);
    } catch (e) {
      err(where, `not a valid regular expression: ${e.message}`);
    }
  };
  checkRegex(spec.framing.headerRegex, '', ['framing', 'headerRegex']);
  checkRegex(v2.names.pattern, 'u', ['profiles', 'v2', 'names', 'pattern']);
  checkRegex(legacy.names.pattern, 'u', ['profiles', 'legacy', 'names', 'pattern']);

  // v2 packets: `type` is the discriminator, and a `code` enum lists error codes.
  v2.packets.forEach((p, i) => {
    const where = ['profiles', 'v2', 'packets', i, 'fields'];
    if ('type' in p.fields) err([...where, 'type'], 'the field `type` is implicit and may not be declared');
    const code = p.fields.code;
    if (code?.kind === 'enum') {
      code.values.forEach((v, j) => {
        if (!codes.has(v)) err([...where, 'code', 'values', j], `unknown error code ${JSON.stringify(v)}`);
      });
    }
  });

  // v2 features (5.8): unique names; each adds declared packets, no packet belongs to two features,
  // and the handshake packets belong to none (they carry the lists).
  unique(v2.features.registry, 'name', ['profiles', 'v2', 'features', 'registry']);
  const packetTypes = new Set(v2.packets.map((p) => p.type));
  const gated = new Map();
  v2.features.registry.forEach((f, i) => {
    f.packets.forEach((type, j) => {
      const at = ['profiles', 'v2', 'features', 'registry', i, 'packets', j];
      if (!packetTypes.has(type)) err(at, `unknown packet type ${JSON.stringify(type)}`);
      else if (['server_hello', 'client_hello', 'server_auth'].includes(type))
        err(at, `the handshake packet ${type} cannot belong to a feature`);
      if (gated.has(type)) err(at, `${type} already belongs to feature ${JSON.stringify(gated.get(type))}`);
      gated.set(type, f.name);
    });
  });

  // legacy: the group is a v2 group (its parameters live there), the key order lists each key once.
  if (!v2.crypto.groups.some((g) => g.name === legacy.crypto.group)) {
    err(['profiles', 'legacy', 'crypto', 'group'], `unknown group ${JSON.stringify(legacy.crypto.group)}`);
  }
  const keyOrder = legacy.packetObject.keyOrder;
  const legacyKeys = ['shost', 'dhost', 'username', 'date', 'cont', 'typ', 'shouldParseContents'];
  for (const key of duplicates(keyOrder)) {
    err(['profiles', 'legacy', 'packetObject', 'keyOrder'], `duplicate key ${JSON.stringify(key)}`);
  }
  for (const key of legacyKeys.filter((k) => !keyOrder.includes(k))) {
    err(['profiles', 'legacy', 'packetObject', 'keyOrder'], `missing key ${JSON.stringify(key)}`);
  }

  // Machines.
  const profiles = [
    ['v2', v2.packets.map((p) => ({ name: p.type, direction: p.direction }))],
    ['legacy', legacy.packets.map((p) => ({ name: p.typ, direction: p.direction }))],
  ];
  for (const [profile, packets] of profiles) {
    for (const role of ['server', 'client']) {
      const machine = spec.profiles[profile].machines[role];
      const where = ['profiles', profile, 'machines', role];
      const states = Object.keys(machine.states);
      const stateList = states.join(', ');
      if (!states.includes(machine.initial)) {
        err(
          [...where, 'initial'],
          `undeclared state ${JSON.stringify(machine.initial)} (declared: ${stateList})`,
        );
      }
      const receives = role === 'server' ? 'c2s' : 's2c';
      const sends = role === 'server' ? 's2c' : 'c2s';
      const canReceive = new Set(packets.filter((p) => p.direction !== sends).map((p) => p.name));
      const canSend = new Set(packets.filter((p) => p.direction !== receives).map((p) => p.name));
      const guards = new Map();
      machine.transitions.forEach((t, i) => {
        const at = [...where, 'transitions', i];
        for (const key of ['from', 'to']) {
          if (!states.includes(t[key])) {
            err([...at, key], `undeclared state ${JSON.stringify(t[key])} (declared: ${stateList})`);
          }
        }
        if (t.on.startsWith('send:')) {
          const packet = t.on.slice('send:'.length);
          if (!canSend.has(packet)) {
            err(
              [...at, 'on'],
              `the ${role} cannot send ${JSON.stringify(packet)} (not a ${sends} or both packet)`,
            );
          }
        } else if (!canReceive.has(t.on) && !LOCAL_EVENTS.includes(t.on)) {
          err(
            [...at, 'on'],
            `${JSON.stringify(t.on)} is neither a packet the ${role} receives (${receives} or both) ` +
              `nor a local event (${LOCAL_EVENTS.join(', ')})`,
          );
        }
        const key = `${t.from}\u0000${t.on}`;
        const list = guards.get(key) ?? [];
        list.push({ when: t.when ?? null, index: i });
        guards.set(key, list);
      });
      for (const list of guards.values()) {
        if (list.length < 2) continue;
        const whens = list.map((x) => x.when);
        for (const { when, index } of list) {
          const at = [...where, 'transitions', index];
          if (when === null) {
            err([...at, 'when'], 'several transitions share this state and event: each needs a `when`');
          } else if (whens.indexOf(when) !== whens.lastIndexOf(when)) {
            err([...at, 'when'], `duplicate guard ${JSON.stringify(when)} for this state and event`);
          }
        }
      }
    }
  }
  return errors;
}

/** Reads, validates and cross-checks a spec. Returns `{ spec }` or `{ errors }`. */
export function loadSpec(file) {
  let raw;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { errors: [`${file}: ${e.message}`] };
  }
  const { spec, errors } = validateFormat(raw);
  if (errors.length) return { errors };
  const refErrors = checkReferences(spec);
  if (refErrors.length) return { errors: refErrors };
  return { spec };
}
