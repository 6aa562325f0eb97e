// TypeScript emission helpers: string and value literals laid out to the line width, JSDoc comments,
// regular expression literals, zod object expressions and the generated-file header.

import { SPEC_NAME } from './spec-model.mjs';
import { WIDTH, wrap } from './text.mjs';

const TS_HEADER = [
  `// Generated from ${SPEC_NAME} by scripts/gen.mjs. Do not edit by hand:`,
  '// edit the spec and run `npm run gen`.',
  '',
].join('\n');

/** A single-quoted TypeScript string literal. */
export function q(value) {
  const body = JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${body}'`;
}

const isIdentifier = (k) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k);
export const tsKey = (k) => (isIdentifier(k) ? k : q(k));

/** Code that `lit` copies as is; `render(indent)` gives the code for a value at that indentation. */
class Raw {
  constructor(render) {
    this.render = typeof render === 'function' ? render : () => render;
  }
}
export const raw = (render) => new Raw(render);

/** A TypeScript literal for a JSON-like value: on one line when it fits, otherwise one item a line. */
export function lit(value, indent = '', column = indent.length) {
  if (value instanceof Raw) return value.render(indent);
  if (value === null) return 'null';
  if (typeof value === 'string') return q(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = indent + '  ';
  let items;
  let open;
  let close;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    items = value.map((v) => lit(v, inner));
    [open, close] = ['[', ']'];
  } else {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    items = entries.map(([k, v]) => {
      const column = inner.length + tsKey(k).length + 2;
      const code =
        typeof v === 'string' && column + q(v).length + 1 > WIDTH ? splitString(v, `${inner}  `) : null;
      return code ? `${tsKey(k)}:\n${code}` : `${tsKey(k)}: ${lit(v, inner, column)}`;
    });
    [open, close] = ['{ ', ' }'];
  }
  const flat = `${open}${items.join(', ')}${close}`;
  if (!flat.includes('\n') && column + flat.length + 2 <= WIDTH) return flat;
  return `${open.trim()}\n${items.map((x) => `${inner}${x},`).join('\n')}\n${indent}${close.trim()}`;
}

/**
 * A long string as a concatenation of pieces, one a line at `indent`, split after spaces; null when it
 * cannot be split.
 */
function splitString(value, indent) {
  const words = value.split(/(?<= )/);
  if (words.length < 2) return null;
  const pieces = [];
  let piece = '';
  for (const word of words) {
    if (piece && indent.length + q(piece + word).length + 2 > WIDTH) {
      pieces.push(piece);
      piece = word;
    } else piece += word;
  }
  pieces.push(piece);
  return pieces.map((p) => `${indent}${q(p)}`).join(' +\n');
}

/** `head value tail`, with the value laid out knowing where it starts. */
export function decl(head, value, tail) {
  return `${head}${lit(value, '', head.length + tail.length)}${tail}`;
}

/** A JSDoc comment. */
export function doc(text, indent = '') {
  const clean = text.replace(/\*\//g, '*\\/');
  const lines = wrap(clean, WIDTH - indent.length - 3);
  if (lines.length === 1 && indent.length + lines[0].length + 7 <= WIDTH)
    return `${indent}/** ${lines[0]} */`;
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`].join('\n');
}

/** A regular expression literal. */
export function regexLiteral(source, flags = '') {
  return `/${new RegExp(source, flags).source}/${flags}`;
}

export function objectExpr(entries, indent) {
  if (entries.length === 0) return 'z.strictObject({})';
  const lines = entries.map(([k, expr]) => `${indent}  ${tsKey(k)}: ${expr},`);
  return `z.strictObject({\n${lines.join('\n')}\n${indent}})`;
}

export function tsFile(parts) {
  return `${TS_HEADER}\n${parts.join('\n\n')}\n`;
}
