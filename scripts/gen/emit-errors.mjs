// Emitter for src/generated/errors.ts: the error codes and the framing decoding outcomes.

import { decl, doc, tsFile } from './ts.mjs';

export function genErrors(spec) {
  const errors = Object.fromEntries(
    spec.errors.map((e) => [e.code, { fatal: e.fatal, section: e.section, text: e.text }]),
  );
  const outcomes = spec.framing.outcomes.map((o) => ({
    id: o.id,
    input: o.input,
    code: o.code,
    text: o.text,
  }));
  return tsFile([
    [
      doc('Every error code (section 12), in spec order. Compare codes, never message text.'),
      decl(
        `export const ERROR_CODES = `,
        spec.errors.map((e) => e.code),
        ' as const;',
      ),
      '',
      'export type ErrorCode = (typeof ERROR_CODES)[number];',
      '',
      'export interface ErrorInfo {',
      '  /** A fatal error moves the connection to ERROR (section 4). */',
      '  readonly fatal: boolean;',
      '  /** The section that defines the error. */',
      '  readonly section: string;',
      '  readonly text: string;',
      '}',
      '',
      decl(`export const ERRORS: Readonly<Record<ErrorCode, ErrorInfo>> = `, errors, ';'),
    ].join('\n'),
    [
      'export interface FramingOutcome {',
      '  /** `SECTION/N`, e.g. `3.2/1`. */',
      '  readonly id: string;',
      '  readonly input: string;',
      '  /** The error reported, or null for a clean outcome. */',
      '  readonly code: ErrorCode | null;',
      '  readonly text: string;',
      '}',
      '',
      doc(`How a receiver decodes frames (section ${spec.framing.section}): each case and its outcome.`),
      decl(`export const FRAMING_OUTCOMES: readonly FramingOutcome[] = `, outcomes, ';'),
    ].join('\n'),
  ]);
}
