import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS, V2_GROUP_INFO, V2_GROUPS } from '../src/generated/constants.js';
import { ERROR_CODES, ERRORS, FRAMING_OUTCOMES } from '../src/generated/errors.js';
import { LEGACY_PACKET_INFO, LEGACY_TYPS, legacyPacketSchema } from '../src/generated/legacy-packets.js';
import { MACHINES, V2_SERVER_MACHINE } from '../src/generated/machines.js';
import {
  serverAuthSchema,
  serverHelloSchema,
  V2_PACKET_INFO,
  V2_PACKET_TYPES,
  type V2PacketOf,
  v2ClientPacketSchema,
  v2ServerPacketSchema,
} from '../src/generated/v2-packets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GEN = path.join(ROOT, 'scripts', 'gen.mjs');
const SPEC = path.join(ROOT, 'spec', 'parley.spec.json');

interface Parser {
  safeParse(value: unknown): { success: boolean; error?: { issues: unknown[] } };
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-gen-'));
  temps.push(dir);
  return dir;
}

function runGen(...args: string[]) {
  const result = spawnSync(process.execPath, [GEN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: the spec is edited freely in tests
type AnySpec = any;

const readSpec = (): AnySpec => JSON.parse(readFileSync(SPEC, 'utf8'));

/** Writes a modified copy of the spec and returns its path. */
function writeSpec(edit: (spec: AnySpec) => void): string {
  const spec = readSpec();
  edit(spec);
  const file = path.join(tempDir(), 'parley.spec.json');
  writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
  return file;
}

/** Runs `--check` on a modified spec, into an empty directory. */
function checkModified(edit: (spec: AnySpec) => void) {
  return runGen('--check', '--spec', writeSpec(edit), '--out', tempDir());
}

const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

describe('spec', () => {
  it('matches the format schema and has consistent references', async () => {
    const format = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'spec-format.mjs')).href)) as {
      specFormat: Parser;
    };
    const result = format.specFormat.safeParse(readSpec());
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.success).toBe(true);

    const gen = (await import(pathToFileURL(GEN).href)) as { checkReferences(spec: unknown): string[] };
    expect(gen.checkReferences(readSpec())).toEqual([]);
  });

  it('rejects unknown keys (typos) with their path', () => {
    const result = checkModified((spec) => {
      spec.limits[0].defualt = 1;
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('limits[0].defualt: unknown key');
  });
});

describe('gen --check', () => {
  it('passes on the committed files', () => {
    const result = runGen('--check');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes right after generating, and fails when the spec changes or a file is missing', () => {
    const out = tempDir();
    expect(runGen('--spec', SPEC, '--out', out).status).toBe(0);
    expect(runGen('--check', '--spec', SPEC, '--out', out).status).toBe(0);

    const modified = writeSpec((spec) => {
      spec.limits.find((l: { name: string }) => l.name === 'maxName').default = 32;
    });
    const changed = runGen('--check', '--spec', modified, '--out', out);
    expect(changed.status).toBe(1);
    expect(changed.stderr).toContain('src/generated/constants.ts (out of date)');
    expect(changed.stderr).toContain('spec/PROTOCOL.md (out of date)');
    expect(changed.stderr).not.toContain('src/generated/errors.ts');

    unlinkSync(path.join(out, 'src', 'generated', 'machines.ts'));
    const missing = runGen('--check', '--spec', SPEC, '--out', out);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('src/generated/machines.ts (missing)');
    expect(existsSync(path.join(out, 'src', 'generated', 'machines.ts'))).toBe(false);
  });

  it('generates the same bytes every time', () => {
    const a = tempDir();
    const b = tempDir();
    runGen('--out', a);
    runGen('--out', b);
    for (const file of ['src/generated/v2-packets.ts', 'spec/PROTOCOL.md', 'spec/spec.schema.json']) {
      expect(readFileSync(path.join(a, file), 'utf8')).toBe(readFileSync(path.join(b, file), 'utf8'));
    }
  });
});

describe('cross-reference checks', () => {
  it('reject a transition to an undeclared state', () => {
    const result = checkModified((spec) => {
      spec.profiles.v2.machines.server.transitions[0].to = 'NOWHERE';
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'profiles.v2.machines.server.transitions[0].to: undeclared state "NOWHERE"',
    );
  });

  it('reject a framing outcome with an unknown error code', () => {
    const result = checkModified((spec) => {
      spec.framing.outcomes[0].code = 'NO_SUCH_CODE';
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('framing.outcomes[0].code: unknown error code "NO_SUCH_CODE"');
  });

  it('reject an event the role cannot receive or send', () => {
    const result = checkModified((spec) => {
      spec.profiles.v2.machines.client.transitions[0].on = 'say';
      spec.profiles.legacy.machines.server.transitions[0].on = 'send:setuser';
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('profiles.v2.machines.client.transitions[0].on');
    expect(result.stderr).toContain('profiles.legacy.machines.server.transitions[0].on');
  });

  it('reject duplicate packet types', () => {
    const result = checkModified((spec) => {
      spec.profiles.v2.packets[1].type = spec.profiles.v2.packets[0].type;
      spec.profiles.legacy.packets[1].typ = spec.profiles.legacy.packets[0].typ;
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('profiles.v2.packets[1].type: duplicate type');
    expect(result.stderr).toContain('profiles.legacy.packets[1].typ: duplicate typ');
  });
});

describe('generated v2 packet schemas', () => {
  const hello = {
    type: 'server_hello',
    protocol: 'parley/2',
    nonce: b64(32),
    groups: [
      { group: 'x25519', share: b64(32) },
      { group: 'modp14', share: b64(256) },
    ],
    limits: { maxFrame: LIMITS.maxFrame, maxMessage: LIMITS.maxMessage, maxName: LIMITS.maxName },
  };

  it('accept valid packets', () => {
    expect(v2ServerPacketSchema.parse(hello)).toEqual(hello);
    expect(
      serverAuthSchema.safeParse({ type: 'server_auth', identity: b64(32), signature: b64(64) }).success,
    ).toBe(true);
    const join: V2PacketOf<'join'> = { type: 'join', name: 'alice' };
    expect(v2ClientPacketSchema.parse(join)).toEqual(join);
    const clientHello = {
      type: 'client_hello',
      protocol: 'parley/2',
      group: 'x25519',
      share: b64(32),
      nonce: b64(32),
    };
    expect(v2ClientPacketSchema.safeParse(clientHello).success).toBe(true);
    expect(v2ClientPacketSchema.safeParse({ type: 'say', text: 'hi' }).success).toBe(true);
    expect(v2ClientPacketSchema.safeParse({ type: 'goodbye' }).success).toBe(true);
    expect(v2ServerPacketSchema.safeParse({ type: 'goodbye', reason: 'bye' }).success).toBe(true);
    expect(
      v2ServerPacketSchema.safeParse({ type: 'error', code: 'RATE_LIMITED', message: '', fatal: false })
        .success,
    ).toBe(true);
  });

  it('reject unknown fields, also in nested objects', () => {
    expect(v2ClientPacketSchema.safeParse({ type: 'join', name: 'alice', admin: true }).success).toBe(false);
    expect(serverHelloSchema.safeParse({ ...hello, extra: 1 }).success).toBe(false);
    expect(
      serverHelloSchema.safeParse({ ...hello, limits: { ...hello.limits, maxClients: 5 } }).success,
    ).toBe(false);
  });

  it('reject byte strings of the wrong size or that are not base64', () => {
    expect(serverHelloSchema.safeParse({ ...hello, nonce: b64(31) }).success).toBe(false);
    expect(serverHelloSchema.safeParse({ ...hello, nonce: b64(33) }).success).toBe(false);
    expect(serverHelloSchema.safeParse({ ...hello, groups: [{ group: 'x', share: b64(513) }] }).success).toBe(
      false,
    );
    expect(serverHelloSchema.safeParse({ ...hello, groups: [{ group: 'x', share: b64(512) }] }).success).toBe(
      true,
    );
    expect(
      serverAuthSchema.safeParse({ type: 'server_auth', identity: b64(32), signature: b64(63) }).success,
    ).toBe(false);
    const unpadded = b64(32).replace(/=+$/, '');
    expect(serverHelloSchema.safeParse({ ...hello, nonce: unpadded }).success).toBe(false);
    expect(serverHelloSchema.safeParse({ ...hello, nonce: `${b64(30)}!!!!` }).success).toBe(false);
    const urlSafe = Buffer.alloc(32, 0xff).toString('base64url');
    expect(serverHelloSchema.safeParse({ ...hello, nonce: `${urlSafe}=` }).success).toBe(false);
  });

  it('reject unknown types and packets from the wrong direction', () => {
    expect(v2ClientPacketSchema.safeParse({ type: 'bogus' }).success).toBe(false);
    expect(v2ServerPacketSchema.safeParse({ type: 'bogus' }).success).toBe(false);
    expect(v2ServerPacketSchema.safeParse({ name: 'alice' }).success).toBe(false);
    expect(v2ClientPacketSchema.safeParse(hello).success).toBe(false);
    expect(v2ServerPacketSchema.safeParse({ type: 'say', text: 'hi' }).success).toBe(false);
  });

  it('check lengths, integers and enums', () => {
    expect(v2ClientPacketSchema.safeParse({ type: 'say', text: '' }).success).toBe(false);
    expect(v2ClientPacketSchema.safeParse({ type: 'ping', n: 1.5 }).success).toBe(false);
    expect(v2ClientPacketSchema.safeParse({ type: 'ping', n: -1 }).success).toBe(false);
    const joinError = { type: 'join_error', code: 'NAME_TAKEN', message: 'taken' };
    expect(v2ServerPacketSchema.safeParse(joinError).success).toBe(true);
    expect(v2ServerPacketSchema.safeParse({ ...joinError, code: 'SERVER_FULL' }).success).toBe(false);
  });
});

describe('other generated modules', () => {
  it('legacy packets', () => {
    const packet = {
      shost: '0.0.0.0',
      dhost: '0.0.0.0',
      username: 'alice',
      date: '2024-01-01 12:00:00.000000',
      cont: ['bob', null],
      typ: 'client_list_update_add',
      shouldParseContents: true,
    };
    expect(legacyPacketSchema.parse(packet)).toEqual(packet);
    expect(Object.keys(legacyPacketSchema.parse({ ...packet, cont: 'hi', typ: 'default' }))).toEqual(
      Object.keys(packet),
    );
    expect(legacyPacketSchema.safeParse({ ...packet, extra: 1 }).success).toBe(false);
    expect(legacyPacketSchema.safeParse({ ...packet, cont: [1] }).success).toBe(false);
    expect(Object.keys(LEGACY_PACKET_INFO)).toEqual([...LEGACY_TYPS]);
  });

  it('errors, packets and machines agree', () => {
    expect(Object.keys(ERRORS)).toEqual([...ERROR_CODES]);
    for (const outcome of FRAMING_OUTCOMES) {
      if (outcome.code !== null) expect(ERROR_CODES).toContain(outcome.code);
    }
    expect(Object.keys(V2_PACKET_INFO)).toEqual([...V2_PACKET_TYPES]);
    expect(Object.keys(V2_GROUP_INFO)).toEqual([...V2_GROUPS]);
    expect(Object.keys(MACHINES)).toEqual(['v2/server', 'v2/client', 'legacy/server', 'legacy/client']);
    expect(V2_SERVER_MACHINE.table[V2_SERVER_MACHINE.initial]).toHaveProperty('client_hello');
    for (const machine of Object.values(MACHINES)) {
      expect(machine.states).toContain(machine.initial);
      for (const events of Object.values(machine.table)) {
        for (const transitions of Object.values(events)) {
          for (const t of transitions) expect(machine.states).toContain(t.to);
        }
      }
    }
  });
});
