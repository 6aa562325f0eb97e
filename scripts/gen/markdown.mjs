// Markdown building blocks for PROTOCOL.md: GitHub heading anchors, table cells, code spans and a small
// document builder that wraps paragraphs and lists to the line width.

import { WIDTH, wrap } from './text.mjs';

/** GitHub's heading anchor. */
export function slug(title) {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Markdown words that must not start a line (they would start a list, quote, heading or table). */
export const mdSafeStart = (word) => !/^(?:[-+*]|#{1,6}|\d{1,9}[.)]|[>|=].*)$/.test(word);

const cell = (text) =>
  String(text)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');
export const code = (text) => (String(text).includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

export class MarkdownDoc {
  constructor() {
    this.lines = [];
    this.headings = [];
    this.slugs = new Map();
  }

  heading(level, title) {
    const base = slug(title);
    const n = this.slugs.get(base) ?? 0;
    this.slugs.set(base, n + 1);
    const anchor = n === 0 ? base : `${base}-${n}`;
    this.headings.push({ level, title, anchor });
    this.block(`${'#'.repeat(level)} ${title}`);
    return anchor;
  }

  block(text) {
    if (this.lines.length && this.lines[this.lines.length - 1] !== '') this.lines.push('');
    this.lines.push(text, '');
  }

  paragraph(text, prefix = '') {
    const lines = wrap(text, WIDTH - prefix.length, { safeStart: mdSafeStart });
    this.block(lines.map((l) => `${prefix}${l}`.trimEnd()).join('\n'));
  }

  list(items, { ordered = false } = {}) {
    const out = [];
    items.forEach((item, i) => {
      const marker = ordered ? `${i + 1}. ` : '- ';
      const lines = wrap(item, WIDTH - marker.length, { safeStart: mdSafeStart });
      out.push(`${marker}${lines[0]}`, ...lines.slice(1).map((l) => `${' '.repeat(marker.length)}${l}`));
    });
    this.block(out.join('\n'));
  }

  table(headers, rows) {
    const out = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`];
    for (const row of rows) out.push(`| ${row.map(cell).join(' | ')} |`);
    this.block(out.join('\n'));
  }

  fence(lang, text) {
    this.block(`\`\`\`${lang}\n${text}\n\`\`\``);
  }

  toString() {
    while (this.lines.length && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return this.lines.join('\n');
  }
}
