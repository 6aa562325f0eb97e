/**
 * One KeyAgreement for the servers a test file makes. Its modp14 object is slow to make on some
 * Node releases (about 250 ms on Node 24; src/crypto/key-agreement.ts), and a server or connection
 * without one makes its own: sharing it keeps a file of many servers from paying that each time.
 * Key agreement holds no state between calls, so sharing it changes no outcome.
 */
import { KeyAgreement } from '../../src/crypto/key-agreement.js';

export const testKeyAgreement = new KeyAgreement();
