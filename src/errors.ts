/**
 * One error type for the whole core (spec section 4, codes in section 12).
 *
 * How this works: every failure is a ParleyError built by `parleyError()`. Its `code` is one of the
 * stable strings generated from the spec's error table, `fatal` comes from that table, and `origin`
 * says whether we detected the problem (`local`) or the peer told us about it (`remote`, e.g. an
 * `error` packet). Callers compare codes, never messages.
 */
import { ERRORS, type ErrorCode } from './generated/errors.js';

export type ErrorOrigin = 'local' | 'remote';

export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly origin: ErrorOrigin;
  readonly fatal: boolean;
  /** The spec section that defines this error. */
  readonly section: string;

  constructor(
    code: ErrorCode,
    message: string,
    origin: ErrorOrigin = 'local',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ParleyError';
    this.code = code;
    this.origin = origin;
    this.fatal = ERRORS[code].fatal;
    this.section = ERRORS[code].section;
  }

  toJSON(): { code: ErrorCode; message: string; origin: ErrorOrigin; fatal: boolean } {
    return { code: this.code, message: this.message, origin: this.origin, fatal: this.fatal };
  }
}

/** The one error factory. `message` should be readable by a person; `code` is for programs. */
export function parleyError(
  code: ErrorCode,
  message: string,
  origin: ErrorOrigin = 'local',
  cause?: unknown,
): ParleyError {
  return new ParleyError(code, message, origin, cause === undefined ? undefined : { cause });
}

export function isParleyError(value: unknown): value is ParleyError {
  return value instanceof ParleyError;
}

/** Is `code` a known error code? Used on codes that arrive from the wire. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/**
 * Converts anything thrown inside the core into a ParleyError, so that callers only ever see one
 * error type. A non-Parley exception is a bug in this implementation: INTERNAL_ERROR.
 */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return parleyError('INTERNAL_ERROR', `internal error: ${text}`, 'local', err);
}
