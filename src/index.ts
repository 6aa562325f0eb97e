/**
 * Parley's sans-IO core: framing, crypto, the four connection state machines and the chat server.
 * The adapters (reference-server, reference-client), the conformance suite, the fuzzers and the
 * benchmarks all build on what this file exports.
 */

export * from './chat/legacy-profile.js';
export * from './chat/room.js';
export * from './chat/server-core.js';
export * from './chat/v2-profile.js';
export * from './crypto/identity.js';
export * from './crypto/key-agreement.js';
export * from './crypto/legacy-cipher.js';
export * from './crypto/record-layer.js';
export * from './crypto/v2-keys.js';
export * from './errors.js';
export * from './framing/frame-codec.js';
export * from './generated/constants.js';
export * from './generated/errors.js';
export * from './generated/legacy-packets.js';
export * from './generated/machines.js';
export * from './generated/v2-packets.js';
export * from './legacy/legacy-packet.js';
export * from './legacy/python-json.js';
export * from './session/endpoint.js';
export * from './session/legacy-client-connection.js';
export * from './session/legacy-server-connection.js';
export * from './session/machine.js';
export * from './session/v2-client-connection.js';
export * from './session/v2-codec.js';
export * from './session/v2-server-connection.js';
