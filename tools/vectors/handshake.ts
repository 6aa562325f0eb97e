/**
 * v2-handshake.json (spec 5): whole v2 handshakes run through the core's server and client
 * connections with scripted randomness, and the frames, secrets and keys they produce.
 */
import { identityFromSeed } from '../../src/crypto/identity.js';
import { computeSharedSecret, KeyAgreement } from '../../src/crypto/key-agreement.js';
import { deriveSessionKeys, transcriptHash } from '../../src/crypto/v2-keys.js';
import { LIMITS, V2_GROUPS, type V2Group } from '../../src/generated/constants.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { type DraftTest, fixedBytes, hex, scriptedRandom, type VectorFile, vectorFile } from './format.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

/** The identity every handshake vector uses. */
export const VECTOR_IDENTITY_SEED = fixedBytes('identity seed', 32);

export interface HandshakeInputs {
  readonly group: V2Group;
  readonly serverPrivateKeys: Readonly<Record<V2Group, Buffer>>;
  readonly serverNonce: Buffer;
  readonly clientPrivateKey: Buffer;
  readonly clientNonce: Buffer;
  readonly joinName: string;
  /** 2.1 (5.8): the features the server offers and those the client wants; none in a 2.0 vector. */
  readonly serverFeatures?: readonly string[];
  readonly clientFeatures?: readonly string[];
}

export interface HandshakeOutputs {
  readonly serverHello: Buffer;
  readonly clientHello: Buffer;
  readonly sharedSecret: Buffer;
  readonly transcriptHash: Buffer;
  readonly c2sKey: Buffer;
  readonly c2sIv: Buffer;
  readonly s2cKey: Buffer;
  readonly s2cIv: Buffer;
  readonly serverAuth: Buffer;
  readonly fingerprint: string;
  readonly join: Buffer;
  readonly agreedFeatures: readonly string[];
}

/** The draws in the order the core makes them (see the ScriptedRandom note). */
export function serverDraws(inputs: HandshakeInputs): Buffer[] {
  return [...V2_GROUPS.map((g) => inputs.serverPrivateKeys[g]), inputs.serverNonce];
}

export function clientDraws(inputs: HandshakeInputs): Buffer[] {
  return [inputs.clientPrivateKey, inputs.clientNonce];
}

/** Runs one handshake through V2ServerConnection and V2ClientConnection with scripted randomness. */
export function runHandshake(inputs: HandshakeInputs): HandshakeOutputs {
  const identity = identityFromSeed(VECTOR_IDENTITY_SEED);
  const serverRandom = scriptedRandom(serverDraws(inputs));
  const clientRandom = scriptedRandom(clientDraws(inputs));
  const server = new V2ServerConnection({
    identity,
    random: serverRandom,
    features: inputs.serverFeatures,
    keyAgreement,
  });
  const client = new V2ClientConnection({
    keyAgreement,
    random: clientRandom,
    groups: [inputs.group],
    features: inputs.clientFeatures,
  });
  server.start();
  const serverHello = server.takeOutput();
  client.receive(serverHello);
  const clientHello = client.takeOutput();
  server.receive(clientHello);
  const serverAuth = server.takeOutput();
  const authEvents = client.receive(serverAuth);
  client.join(inputs.joinName);
  const join = client.takeOutput();
  const joinEvents = server.receive(join);
  if (
    serverRandom.remaining() !== 0 ||
    clientRandom.remaining() !== 0 ||
    authEvents[0]?.kind !== 'authenticated' ||
    joinEvents[0]?.kind !== 'packet' ||
    client.state !== 'AWAIT_JOIN_REPLY' ||
    [...client.features].join() !== [...server.features].join()
  ) {
    throw new Error(`handshake vector ${inputs.group}: the core did not complete the handshake`);
  }
  const own = keyAgreement.keyPairFromPrivate(inputs.group, inputs.clientPrivateKey);
  const serverShare = keyAgreement.keyPairFromPrivate(
    inputs.group,
    inputs.serverPrivateKeys[inputs.group],
  ).share;
  const sharedSecret = computeSharedSecret(own, serverShare);
  const th = transcriptHash(serverHello, clientHello);
  const keys = deriveSessionKeys(sharedSecret, th);
  return {
    serverHello,
    clientHello,
    sharedSecret,
    transcriptHash: th,
    c2sKey: keys.c2s.key,
    c2sIv: keys.c2s.iv,
    s2cKey: keys.s2c.key,
    s2cIv: keys.s2c.iv,
    serverAuth,
    fingerprint: identity.fingerprint,
    join,
    agreedFeatures: [...server.features],
  };
}

function handshakeInputs(
  group: V2Group,
  label: string,
  joinName: string,
  features: Pick<HandshakeInputs, 'serverFeatures' | 'clientFeatures'> = {},
): HandshakeInputs {
  return {
    ...features,
    group,
    serverPrivateKeys: {
      x25519: fixedBytes(`${label}/server x25519 private`, 32),
      modp14: fixedBytes(`${label}/server modp14 private`, 32),
    },
    serverNonce: fixedBytes(`${label}/server nonce`, 32),
    clientPrivateKey: fixedBytes(`${label}/client ${group} private`, 32),
    clientNonce: fixedBytes(`${label}/client nonce`, 32),
    joinName,
  };
}

function handshakeTest(comment: string, inputs: HandshakeInputs): DraftTest {
  const out = runHandshake(inputs);
  return {
    comment,
    flags: ['ScriptedRandom'],
    serverX25519PrivateKey: hex(inputs.serverPrivateKeys.x25519),
    serverModp14PrivateKey: hex(inputs.serverPrivateKeys.modp14),
    serverNonce: hex(inputs.serverNonce),
    clientPrivateKey: hex(inputs.clientPrivateKey),
    clientNonce: hex(inputs.clientNonce),
    joinName: inputs.joinName,
    ...(inputs.serverFeatures ? { serverFeatures: inputs.serverFeatures } : {}),
    ...(inputs.clientFeatures ? { clientFeatures: inputs.clientFeatures } : {}),
    ...(inputs.serverFeatures || inputs.clientFeatures ? { agreedFeatures: out.agreedFeatures } : {}),
    serverHello: hex(out.serverHello),
    clientHello: hex(out.clientHello),
    sharedSecret: hex(out.sharedSecret),
    transcriptHash: hex(out.transcriptHash),
    c2sKey: hex(out.c2sKey),
    c2sIv: hex(out.c2sIv),
    s2cKey: hex(out.s2cKey),
    s2cIv: hex(out.s2cIv),
    serverAuth: hex(out.serverAuth),
    fingerprint: out.fingerprint,
    join: hex(out.join),
    result: 'valid',
  };
}

export function buildHandshakeVectors(): VectorFile {
  const identity = identityFromSeed(VECTOR_IDENTITY_SEED);
  const groups = V2_GROUPS.map((group) => ({
    group,
    identitySeed: hex(identity.seed),
    identityPublicKey: hex(identity.publicKey),
    limits: { maxFrame: LIMITS.maxFrame, maxMessage: LIMITS.maxMessage, maxName: LIMITS.maxName },
    tests: [
      handshakeTest(
        `a ${group} handshake, then join as alice`,
        handshakeInputs(group, 'handshake 1', 'alice'),
      ),
      handshakeTest(
        `a ${group} handshake, then join with a non-ASCII name`,
        handshakeInputs(group, 'handshake 2', 'Zoë'),
      ),
      handshakeTest(
        `a 2.1 ${group} handshake with features (5.8): the client lists only what the server offered`,
        handshakeInputs(group, 'handshake 3', 'bob', {
          serverFeatures: ['structured-export', 'backlog', 'away'],
          clientFeatures: ['whois', 'backlog', 'structured-export'],
        }),
      ),
    ],
  }));
  return vectorFile(
    'PARLEY-V2-HANDSHAKE',
    'Each group is a key agreement group the client picks (the server offers x25519 and modp14, in that ' +
      'order, with the group identity and default limits). Inputs (hex): the server ephemeral private keys, ' +
      'server and client nonces, the client private key in the group, and joinName. Outputs: serverHello ' +
      'and clientHello (whole frames, hex), sharedSecret Z, transcriptHash TH, the four keys and IVs of 5.4, ' +
      'serverAuth (the first s2c record frame), the server fingerprint (5.6), and join (the first c2s record ' +
      'frame, a join packet). A 2.1 test (5.8) also has serverFeatures (offered in server_hello), ' +
      'clientFeatures (the list the client wants, not the list on the wire: its client_hello lists the ' +
      "names of clientFeatures that serverFeatures holds, in clientFeatures' order, 7.14) and " +
      "agreedFeatures (in the server's order); a test without them is a 2.0 handshake, with no " +
      '`features` in either hello.',
    {
      ScriptedRandom:
        'Both sides run with a RandomSource that returns fixed bytes in the order the core draws them. ' +
        'Server, on start(): the x25519 private key (32 bytes), the modp14 private key (32), then the ' +
        'server_hello nonce (32). Client, on server_hello: its private key in the chosen group (32), then ' +
        'the client_hello nonce (32). Nothing else draws: Ed25519 signatures are deterministic and the ' +
        'record nonces come from the IVs.',
    },
    groups,
  );
}
