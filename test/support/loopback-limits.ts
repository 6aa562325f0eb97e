/**
 * Limits for servers that tests start on 127.0.0.1. Every test client connects from the one
 * loopback address, so the per-address limits of spec 11 (maxPerAddress, the address's connection
 * bucket) would count a whole test's clients as one household; tests that are not about those
 * limits lift them, and the tests that are (chat-server.test.ts, the conformance cases) set them.
 */
import type { Limits } from '../../src/generated/constants.js';

export const LOOPBACK_LIMITS: Readonly<Partial<Limits>> = {
  maxPerAddress: 100_000,
  maxAddressesPerPrefix: 1_000_000,
  addressHandshakeBurst: 100_000,
  addressHandshakesPerSecond: 100_000,
  // 11.5: the log's bound charges every line about a connection to its prefix, here 127.0.0.0/24.
  logLineBurst: 1_000_000,
  logLinesPerSecond: 1_000_000,
  logTotalLinesPerSecond: 1_000_000,
};

/** The same as reference-server flags. */
export const LOOPBACK_FLAGS: readonly string[] = [
  '--max-per-address',
  '100000',
  '--max-prefix-addresses',
  '1000000',
  '--address-burst',
  '100000',
  '--address-rate',
  '100000',
  '--log-burst',
  '1000000',
  '--log-rate',
  '1000000',
  '--log-rate-total',
  '1000000',
];
