/**
 * The text of an export file: v2 entries (7.7) one line each, or a legacy server's own text (10.4),
 * made safe to print like everything else from the network.
 */

import type { ExportEntry } from '../../src/client/index.js';
import { formatDateTime, sanitize } from './text.js';

/** Renders v2 export entries as text, one line each. */
export function renderExportEntries(entries: readonly ExportEntry[]): string {
  return entries
    .map((e) => {
      const stamp = `[${formatDateTime(e.ts)}]`;
      const text = sanitize(e.text ?? '');
      const from = sanitize(e.from ?? '');
      if (e.kind === 'message') return `${stamp} <${from}> ${text}`;
      if (e.kind === 'action') return `${stamp} * ${from} ${text}`;
      // Joins and leaves are rendered from their fields (7.7), the name from `from` in the 2.0 form.
      const name = sanitize(e.name ?? e.from ?? '');
      if (e.kind === 'join') return `${stamp} -!- ${name} joined`;
      if (e.kind === 'leave') return `${stamp} -!- ${name} left${e.reason ? ` (${sanitize(e.reason)})` : ''}`;
      return `${stamp} -!- ${text}`;
    })
    .join('\n');
}

/** A legacy export, each line sanitised. */
export function renderExportText(text: string): string {
  return text
    .split('\n')
    .map((line) => sanitize(line))
    .join('\n');
}
