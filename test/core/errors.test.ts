/**
 * The one error type (spec 4, 12): stable codes from the generated table, fatal and section from
 * it, origin local/remote, and the conversion of anything thrown into INTERNAL_ERROR.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isErrorCode, isParleyError, ParleyError, parleyError, toParleyError } from '../../src/errors.js';
import { ERROR_CODES, ERRORS } from '../../src/generated/errors.js';

describe('ParleyError', () => {
  it.each(ERROR_CODES)('%s takes fatal and section from the spec table', (code) => {
    const error = parleyError(code, 'text');
    expect(error).toBeInstanceOf(ParleyError);
    expect(error.fatal).toBe(ERRORS[code].fatal);
    expect(error.section).toBe(ERRORS[code].section);
    expect(error.origin).toBe('local');
    expect(error.name).toBe('ParleyError');
  });

  it('serialises to JSON with code, message, origin and fatal', () => {
    const error = parleyError('RATE_LIMITED', 'slow down', 'remote');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'RATE_LIMITED',
      message: 'slow down',
      origin: 'remote',
      fatal: false,
    });
  });

  it('shows no cause in a log line when there is none', () => {
    expect(inspect(parleyError('DECRYPT_FAILED', 'x'))).not.toContain('[cause]');
    expect(inspect(parleyError('DECRYPT_FAILED', 'x', 'local', new Error('inner')))).toContain('[cause]');
  });

  it('keeps the cause when there is one', () => {
    const cause = new Error('inner');
    expect(parleyError('DECRYPT_FAILED', 'x', 'local', cause).cause).toBe(cause);
    expect(parleyError('DECRYPT_FAILED', 'x').cause).toBeUndefined();
  });
});

describe('helpers', () => {
  it('tells ParleyErrors from other values', () => {
    expect(isParleyError(parleyError('FRAME_EMPTY', 'x'))).toBe(true);
    expect(isParleyError(new Error('x'))).toBe(false);
    expect(isParleyError({ code: 'FRAME_EMPTY' })).toBe(false);
  });

  it('knows the codes of the table and no others', () => {
    for (const code of ERROR_CODES) expect(isErrorCode(code)).toBe(true);
    expect(isErrorCode('NOT_A_CODE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('keeps what was thrown in the message of the INTERNAL_ERROR it becomes', () => {
    expect(toParleyError(new TypeError('x is not a function')).message).toBe(
      'internal error: x is not a function',
    );
    expect(toParleyError('a string').message).toBe('internal error: a string');
  });

  it('passes a ParleyError through and turns anything else into INTERNAL_ERROR', () => {
    const original = parleyError('FRAME_EMPTY', 'x');
    expect(toParleyError(original)).toBe(original);
    const fromError = toParleyError(new TypeError('bug'));
    expect(fromError.code).toBe('INTERNAL_ERROR');
    expect(fromError.fatal).toBe(true);
    expect(fromError.cause).toBeInstanceOf(TypeError);
    expect(toParleyError('a string').code).toBe('INTERNAL_ERROR');
    expect(toParleyError(undefined).code).toBe('INTERNAL_ERROR');
  });
});
