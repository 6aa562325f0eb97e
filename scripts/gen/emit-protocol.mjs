// Emitter for spec/PROTOCOL.md: the human-readable protocol document, one part per spec section, with
// field tables, state tables and mermaid diagrams.

import { code, MarkdownDoc, mdSafeStart, slug } from './markdown.mjs';
import { MACHINE_LIST, SPEC_NAME, topSection } from './spec-model.mjs';
import { WIDTH, wrap } from './text.mjs';

/** Splits "6.1 Foo. 6.2 Bar." into ["6.1 Foo.", "6.2 Bar."]. */
function splitNumbered(text) {
  return text.split(/(?<=\.)\s+(?=\d+\.\d+ )/);
}

/** "3.1 Foo" -> "**3.1** Foo". */
function boldNumber(text) {
  return text.replace(/^(\d+(?:\.\d+)+) /, '**$1** ');
}

const yesNo = (b) => (b ? 'yes' : 'no');
const DIRECTION = { s2c: 'server → client', c2s: 'client → server', both: 'both ways' };

function mostCommonTopSection(sections) {
  const counts = new Map();
  for (const s of sections) counts.set(topSection(s), (counts.get(topSection(s)) ?? 0) + 1);
  let best = null;
  for (const [id, n] of counts) if (best === null || n > counts.get(best)) best = id;
  return best;
}

/** The type and constraints of a field, for the packet reference. */
function describeField(desc) {
  const c = [];
  let type;
  switch (desc.kind) {
    case 'literal':
      type = `literal ${code(JSON.stringify(desc.value))}`;
      break;
    case 'string':
      type = 'string';
      if (desc.minLength !== undefined && desc.maxLength !== undefined) {
        c.push(`${desc.minLength} to ${desc.maxLength} characters`);
      } else if (desc.minLength !== undefined) c.push(`at least ${desc.minLength} characters`);
      else if (desc.maxLength !== undefined) c.push(`at most ${desc.maxLength} characters`);
      if (desc.pattern !== undefined) c.push(`matching ${code(desc.pattern)}`);
      break;
    case 'integer':
      type = 'integer';
      if (desc.min !== undefined) c.push(`≥ ${desc.min}`);
      if (desc.max !== undefined) c.push(`≤ ${desc.max}`);
      break;
    case 'boolean':
      type = 'boolean';
      break;
    case 'bytes':
      type = 'bytes (base64)';
      if (desc.size !== undefined) c.push(`exactly ${desc.size} bytes`);
      if (desc.maxSize !== undefined) c.push(`at most ${desc.maxSize} bytes`);
      break;
    case 'enum':
      type = 'string';
      c.push(`one of ${desc.values.map(code).join(', ')}`);
      break;
    case 'array': {
      const inner = describeField(desc.items);
      type = `array of ${inner.type}`;
      if (desc.minItems !== undefined && desc.maxItems !== undefined) {
        c.push(`${desc.minItems} to ${desc.maxItems} items`);
      } else if (desc.minItems !== undefined) c.push(`at least ${desc.minItems} items`);
      else if (desc.maxItems !== undefined) c.push(`at most ${desc.maxItems} items`);
      if (desc.unique) c.push('no duplicates');
      if (inner.constraints && desc.items.kind !== 'object') c.push(`each ${inner.constraints}`);
      break;
    }
    case 'object':
      type = 'object';
      break;
  }
  return { type, constraints: c.join('; ') };
}

/** Table rows for a field map; nested objects become `a.b` and `a[].b` rows. */
function fieldRows(fields, prefix = '') {
  const rows = [];
  for (const [name, desc] of Object.entries(fields)) {
    const full = `${prefix}${name}`;
    const { type, constraints } = describeField(desc);
    rows.push([code(full), type, constraints, desc.optional ? 'no' : 'yes']);
    if (desc.kind === 'object') rows.push(...fieldRows(desc.fields, `${full}.`));
    if (desc.kind === 'array' && desc.items.kind === 'object')
      rows.push(...fieldRows(desc.items.fields, `${full}[].`));
  }
  return rows;
}

function mermaid(machine) {
  const lines = ['stateDiagram-v2', `  [*] --> ${machine.initial}`];
  const edges = new Map();
  for (const t of machine.transitions) {
    const key = `${t.from} --> ${t.to}`;
    // Mermaid ends a label at a colon, so `send:X` is drawn as `send X`.
    const event = t.on.replace(/^send:/, 'send ');
    const label = t.when ? `${event} [${t.when}]` : event;
    const list = edges.get(key) ?? [];
    if (!list.includes(label)) list.push(label);
    edges.set(key, list);
  }
  const withEdges = new Set([machine.initial]);
  for (const t of machine.transitions) withEdges.add(t.from).add(t.to);
  for (const state of Object.keys(machine.states)) if (!withEdges.has(state)) lines.push(`  ${state}`);
  for (const [key, labels] of edges) lines.push(`  ${key}: ${labels.join(', ')}`);
  const hasExit = new Set(machine.transitions.map((t) => t.from));
  for (const state of Object.keys(machine.states)) if (!hasExit.has(state)) lines.push(`  ${state} --> [*]`);
  return lines.join('\n');
}

export function genProtocol(spec) {
  const { v2, legacy } = spec.profiles;
  const md = new MarkdownDoc();
  const blocks = new Map();
  const appendix = [];
  const sectionIds = new Set(spec.sections.map((s) => s.id));
  const attach = (id, render) => {
    if (id !== null && sectionIds.has(id)) {
      if (!blocks.has(id)) blocks.set(id, []);
      blocks.get(id).push(render);
    } else appendix.push(render);
  };

  // Framing.
  attach(topSection(spec.framing.section), () => {
    for (const t of spec.framing.text) md.paragraph(boldNumber(t));
    md.heading(3, 'Header grammar');
    md.fence('abnf', spec.framing.grammar);
    md.paragraph(
      `The header is exactly ${spec.framing.headerSize} bytes. As a regular expression over its ASCII text: ` +
        `${code(spec.framing.headerRegex)}.`,
    );
    md.heading(3, 'Decoding outcomes');
    md.table(
      ['Case', 'Input', 'Outcome', 'Notes'],
      spec.framing.outcomes.map((o) => [o.id, o.input, o.code === null ? 'clean end' : code(o.code), o.text]),
    );
  });

  // v2 handshake and crypto.
  attach(topSection(v2.section), () => {
    md.heading(3, 'The v2 profile');
    md.list([
      `Protocol id: ${code(v2.protocolId)}.`,
      `Default profile: ${yesNo(v2.default)}. Secure: ${yesNo(v2.secure)}.`,
      `Encoding: ${v2.encoding}`,
    ]);
    md.heading(3, 'Handshake steps');
    md.list(v2.handshake.map(boldNumber));
    md.heading(3, `Versions and features (${v2.features.section})`);
    for (const t of v2.features.text) md.paragraph(boldNumber(t));
    if (v2.features.registry.length === 0) md.paragraph('This version defines no feature yet.');
    else {
      md.table(
        ['Feature', 'Section', 'Packets it adds', 'Meaning'],
        v2.features.registry.map((f) => [
          code(f.name),
          f.section,
          f.packets.length ? f.packets.map(code).join(', ') : 'none',
          f.text,
        ]),
      );
    }
    md.heading(3, 'Key agreement groups');
    md.paragraph('Offered in this order:');
    md.table(
      ['Group', 'Section', 'Share', 'Private value', 'Notes'],
      v2.crypto.groups.map((g) => [
        code(g.name),
        g.section,
        `${g.shareBytes} bytes`,
        g.privateBytes === undefined ? '' : `${g.privateBytes} bytes`,
        g.text,
      ]),
    );
    for (const g of v2.crypto.groups.filter((x) => x.primeHex)) {
      md.paragraph(
        `${code(g.name)} prime p (hexadecimal)` +
          (g.generator === undefined ? ':' : `, generator g = ${g.generator}:`),
      );
      md.fence('text', g.primeHex.match(/.{1,64}/g).join('\n'));
    }
    const kdf = v2.crypto.kdf;
    md.heading(3, 'Key derivation');
    md.paragraph(`Section ${kdf.section}. Hash: ${kdf.hash}. ${kdf.text}`);
    const what = {
      c2sKey: 'client → server key',
      c2sIv: 'client → server IV',
      s2cKey: 'server → client key',
      s2cIv: 'server → client IV',
    };
    md.table(
      ['Output', 'Label (HKDF info)', 'Length'],
      Object.entries(kdf.labels).map(([k, label]) => [
        `${what[k]} (${code(k)})`,
        code(label),
        `${k.endsWith('Key') ? kdf.keyBytes : kdf.ivBytes} bytes`,
      ]),
    );
    const id = v2.crypto.identity;
    md.heading(3, 'Server identity');
    md.paragraph(
      `Algorithm: ${id.algorithm}. Signature context: ${code(id.signatureContext)}.` +
        (id.clientSignatureContext === undefined
          ? ''
          : ` A client's proof of its key (7.16): context ${code(id.clientSignatureContext)}.`),
    );
    for (const t of splitNumbered(id.text)) md.paragraph(boldNumber(t));
  });

  attach(topSection(v2.crypto.record.section), () => {
    const rec = v2.crypto.record;
    md.heading(3, 'Record layer');
    md.paragraph(`Cipher: ${rec.cipher}, ${rec.tagBytes}-byte tag.`);
    for (const t of splitNumbered(rec.text)) md.paragraph(boldNumber(t));
  });

  attach(topSection(v2.names.section), () => {
    md.heading(3, `v2 names (${v2.names.section})`);
    md.paragraph(v2.names.text);
    md.list([
      `Pattern (JavaScript, \`u\` flag): ${code(v2.names.pattern)}`,
      `Reserved: ${v2.names.reserved.map(code).join(', ')}`,
      `Comparison: ${v2.names.compare === 'uts39' ? 'NFC, UTS #39 identifier rules, skeleton key' : 'exact'}`,
    ]);
  });

  attach(mostCommonTopSection(v2.packets.map((p) => p.section)), () => {
    md.heading(3, 'v2 packet reference');
    md.paragraph(
      'Every packet is a JSON object with a `type` field and exactly the fields listed for its type. ' +
        'Byte strings are standard base64 with padding.',
    );
    const anchors = new Map(v2.packets.map((p) => [p.type, slug(`\`${p.type}\``)]));
    md.table(
      ['Type', 'Direction', 'Encrypted', 'Rate cost', 'Section', 'Meaning'],
      v2.packets.map((p) => [
        `[${code(p.type)}](#${anchors.get(p.type)})`,
        DIRECTION[p.direction],
        yesNo(p.encrypted),
        p.rateCost ?? '',
        p.section,
        p.text,
      ]),
    );
    for (const p of v2.packets) {
      md.heading(4, code(p.type));
      md.paragraph(
        `**${DIRECTION[p.direction]}**, ${p.encrypted ? 'encrypted' : 'plaintext'}, section ${p.section}. ` +
          `${p.rateCost === undefined ? '' : `Rate cost ${p.rateCost} (7.8). `}${p.text}`,
      );
      md.table(
        ['Field', 'Type', 'Constraints', 'Required'],
        [[code('type'), `literal ${code(JSON.stringify(p.type))}`, '', 'yes'], ...fieldRows(p.fields)],
      );
    }
  });

  // legacy.
  attach(topSection(legacy.section), () => {
    const box = ['> [!CAUTION]', '> **INSECURE.** The legacy profile has these known weaknesses:', '>'];
    for (const item of legacy.insecure) {
      const lines = wrap(item, WIDTH - 4, { safeStart: mdSafeStart });
      box.push(`> - ${lines[0]}`, ...lines.slice(1).map((l) => `>   ${l}`));
    }
    md.block(box.join('\n'));
    md.paragraph(
      `The legacy profile. Default profile: ${yesNo(legacy.default)}. Secure: ${yesNo(legacy.secure)}.`,
    );
    md.heading(3, 'Mitigations');
    md.list(legacy.mitigations);
    const c = legacy.crypto;
    md.heading(3, 'legacy crypto');
    md.list([
      `Group: ${code(c.group)} (its parameters are listed with the v2 groups).`,
      `Key: ${c.kdf}`,
      `Cipher: ${c.cipher}, ${c.ivBytes}-byte IV.`,
      `Key used before the exchange ends: SHA-256 of ${code(c.noneKeyText)}.`,
    ]);
    for (const t of splitNumbered(c.text)) md.paragraph(boldNumber(t));
  });

  attach(topSection(legacy.packetObject.section), () => {
    const po = legacy.packetObject;
    md.heading(3, `legacy packet object (${po.section})`);
    md.paragraph(po.text);
    const types = {
      cont: 'string, or array of (string or null)',
      shouldParseContents: 'boolean',
    };
    md.table(
      ['#', 'Key', 'JSON type'],
      po.keyOrder.map((k, i) => [String(i + 1), code(k), types[k] ?? 'string']),
    );
    md.paragraph(
      `The server's name: ${code(po.serverName)}. A client's name during the key exchange: ${code(po.tempName)}.`,
    );
    md.heading(3, 'legacy packets');
    md.table(
      ['typ', 'Direction', 'Encrypted', 'cont', 'Rate cost', 'Section', 'Meaning'],
      legacy.packets.map((p) => [
        code(p.typ),
        DIRECTION[p.direction],
        yesNo(p.encrypted),
        p.cont,
        p.rateCost ?? '',
        p.section,
        p.text,
      ]),
    );
    md.heading(3, 'legacy fixed texts');
    md.table(
      ['Use', 'Text'],
      [
        ...Object.entries(legacy.messages).map(([k, v]) => [k, code(v)]),
        ['export header', code(legacy.exportHeader)],
      ],
    );
    md.heading(3, `legacy names (${legacy.names.section})`);
    md.paragraph(legacy.names.text);
    md.list([
      `Pattern (JavaScript): ${code(legacy.names.pattern)}`,
      `Reserved: ${legacy.names.reserved.map(code).join(', ')}`,
      `Comparison: ${{ uts39: 'NFC, UTS #39 identifier rules, skeleton key', keys: 'as sent, by the skeleton keys of 7.2', exact: 'exact' }[legacy.names.compare]}`,
    ]);
  });

  // Limits, errors, machines.
  attach(mostCommonTopSection(spec.limits.map((l) => l.section)), () => {
    md.table(
      ['Limit', 'Default', 'Min', 'Max', 'Unit', 'Reference server flag', 'Meaning'],
      spec.limits.map((l) => [
        code(l.name),
        l.default,
        l.min,
        l.max,
        l.unit,
        l.serverFlag ? code(l.serverFlag) : '',
        l.text,
      ]),
    );
  });

  const errorSection = spec.sections.find((s) => /error codes/i.test(s.title));
  attach(errorSection ? errorSection.id : null, () => {
    md.table(
      ['Code', 'Fatal', 'Section', 'Meaning'],
      spec.errors.map((e) => [code(e.code), yesNo(e.fatal), e.section, e.text]),
    );
  });

  for (const [profile, role] of MACHINE_LIST) {
    const m = spec.profiles[profile].machines[role];
    attach(topSection(m.section), () => {
      md.heading(3, `${m.section} ${profile} ${role}`);
      const intro = [`Initial state: ${code(m.initial)}.`];
      if (m.onOpen) intro.push(`On open: ${m.onOpen}.`);
      intro.push('An event is a packet received, or `send:X` when this side sends packet X.');
      md.paragraph(intro.join(' '));
      md.table(
        ['State', 'Meaning'],
        Object.entries(m.states).map(([s, t]) => [code(s), t]),
      );
      md.table(
        ['From', 'Event', 'When', 'To', 'Does'],
        m.transitions.map((t) => [code(t.from), code(t.on), t.when ?? '', code(t.to), t.does]),
      );
      md.fence('mermaid', mermaid(m));
    });
  }

  // The document.
  for (const s of spec.sections) {
    md.heading(2, `${s.id}. ${s.title}`);
    for (const t of splitNumbered(s.text)) md.paragraph(boldNumber(t));
    for (const render of blocks.get(s.id) ?? []) render();
  }
  if (appendix.length) {
    md.heading(2, 'Appendix');
    for (const render of appendix) render();
  }

  const toc = [];
  for (const h of md.headings) {
    if (h.level === 2) toc.push(`- [${h.title}](#${h.anchor})`);
    else if (h.level === 3) toc.push(`  - [${h.title}](#${h.anchor})`);
  }
  const head = new MarkdownDoc();
  head.block(`# ${spec.name} protocol ${spec.version}`);
  head.block(
    `<!--\n  Generated from ${SPEC_NAME} by scripts/gen.mjs. Do not edit by hand:\n` +
      '  edit the spec and run `npm run gen`.\n-->',
  );
  head.paragraph(
    `This document is generated from [\`parley.spec.json\`](parley.spec.json), the machine-readable spec, ` +
      'which is the source of truth.',
    '> ',
  );
  head.paragraph(spec.summary);
  head.paragraph(`Version ${spec.version}. Default TCP port: ${spec.defaultPort}.`);
  head.block('## Conventions');
  head.list(spec.conventions);
  head.block('## Contents');
  head.block(toc.join('\n'));
  return `${head.toString()}\n\n${md.toString()}\n`;
}
