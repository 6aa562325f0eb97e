/** The modp14 group's arithmetic done independently of the core, with BigInt, for checking it. */
import { V2_GROUP_INFO } from '../../src/generated/constants.js';

/** The modp14 prime (RFC 3526 group 14). */
export const MODP14_P = BigInt(`0x${V2_GROUP_INFO.modp14.primeHex}`);

/** base^exponent mod modulus, square and multiply (a negative base is taken mod modulus first). */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}
