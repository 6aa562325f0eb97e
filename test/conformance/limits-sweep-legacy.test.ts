/**
 * The reference server at the smallest legal limits fails no legacy case (test/conformance/sweep.ts
 * says how and why). This runs built code (dist/, through `node reference-server`): `npm run build`
 * first.
 */
import { describe, it } from 'vitest';
import { SWEEP_TIMEOUT, sweep } from './sweep.js';

describe('the reference server at the smallest legal limits', () => {
  it('fails no legacy case', { timeout: SWEEP_TIMEOUT }, () => sweep('legacy'));
});
