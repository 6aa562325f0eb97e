import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  configDir,
  loadConfig,
  loadKnownServers,
  recordKnownServer,
  saveConfig,
  serverKey,
} from '../../reference-client/app/config.js';

const FP1 = `SHA256:${'A'.repeat(43)}`;
const FP2 = `SHA256:${'B'.repeat(42)}c`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('configDir', () => {
  it('prefers PARLEY_CONFIG_DIR, then XDG_CONFIG_HOME/parley, then ~/.config/parley', () => {
    expect(configDir({ PARLEY_CONFIG_DIR: '/x/p', XDG_CONFIG_HOME: '/x/xdg', HOME: '/home/u' })).toBe('/x/p');
    expect(configDir({ XDG_CONFIG_HOME: '/x/xdg', HOME: '/home/u' })).toBe('/x/xdg/parley');
    expect(configDir({ HOME: '/home/u' })).toBe('/home/u/.config/parley');
  });
});

describe('config.json', () => {
  it('is empty when the file does not exist', () => {
    expect(loadConfig(dir)).toEqual({});
  });

  it('saves the theme atomically with mode 0600 and reads it back', () => {
    const sub = join(dir, 'nested', 'parley');
    const file = saveConfig(sub, { theme: 'light' });
    expect(loadConfig(sub)).toEqual({ theme: 'light' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(sub).mode & 0o777).toBe(0o700);
    expect(readdirSync(sub)).toEqual(['config.json']); // no temporary file left behind
  });

  it('keeps keys it does not know when saving', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ theme: 'dark', future: { x: 1 } }));
    saveConfig(dir, { theme: 'nord' });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({
      theme: 'nord',
      future: { x: 1 },
    });
  });

  it('reports a corrupt file clearly and never overwrites it', () => {
    writeFileSync(join(dir, 'config.json'), '{"theme": ');
    expect(() => loadConfig(dir)).toThrow(ConfigError);
    expect(() => loadConfig(dir)).toThrow(/config\.json: not valid JSON/);
    expect(() => saveConfig(dir, { theme: 'light' })).toThrow(/not overwriting/);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"theme": ');
  });

  it('keeps the last server, port and name beside the theme and bell, each saved without losing the others', () => {
    saveConfig(dir, { theme: 'light' });
    saveConfig(dir, { bell: false });
    saveConfig(dir, { server: 'chat.example.org', port: 7000, name: 'alice' });
    expect(loadConfig(dir)).toEqual({
      theme: 'light',
      bell: false,
      server: 'chat.example.org',
      port: 7000,
      name: 'alice',
    });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ port: 0 }));
    expect(() => loadConfig(dir)).toThrow(/"port"/);
  });

  it('rejects an unknown theme name', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ theme: 'neon' }));
    expect(() => loadConfig(dir)).toThrow(/"theme"/);
  });
});

describe('known_servers', () => {
  it('records servers one per line and reads them back', () => {
    expect(loadKnownServers(dir).size).toBe(0);
    recordKnownServer(dir, serverKey('Example.ORG', 7878), FP1);
    recordKnownServer(dir, serverKey('::1', 7000), FP2);
    const known = loadKnownServers(dir);
    expect(known.get('example.org:7878')).toBe(FP1);
    expect(known.get('[::1]:7000')).toBe(FP2);
    const text = readFileSync(join(dir, 'known_servers'), 'utf8');
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      `example.org:7878 ${FP1}`,
      `[::1]:7000 ${FP2}`,
      '',
    ]);
    expect(statSync(join(dir, 'known_servers')).mode & 0o777).toBe(0o600);
  });

  it('replaces the line of a server whose new key was accepted, keeping comments', () => {
    writeFileSync(join(dir, 'known_servers'), `# mine\nhost:1 ${FP1}\nother:2 ${FP1}\n`);
    recordKnownServer(dir, 'host:1', FP2);
    expect(readFileSync(join(dir, 'known_servers'), 'utf8')).toBe(`# mine\nhost:1 ${FP2}\nother:2 ${FP1}\n`);
  });

  it('names the bad line of a corrupt file and refuses to rewrite it', () => {
    writeFileSync(join(dir, 'known_servers'), `host:1 ${FP1}\nthis is not right\n`);
    expect(() => loadKnownServers(dir)).toThrow(/known_servers: line 2 is not "host:port SHA256:\.\.\."/);
    expect(() => recordKnownServer(dir, 'x:1', FP2)).toThrow(ConfigError);
    expect(readFileSync(join(dir, 'known_servers'), 'utf8')).toBe(`host:1 ${FP1}\nthis is not right\n`);
  });
});
