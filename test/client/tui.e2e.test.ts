/**
 * End to end, TUI: the built client runs in a real pseudo-terminal (a private tmux server) against
 * a real reference server on 127.0.0.1; keys go in with send-keys and the screen is read back with
 * capture-pane, polled with a bounded wait. Needs `npm run build` and tmux (CI: apt-get install tmux).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILT, hasTmux, type Tmux } from './support/processes.js';
import { useTuiHarness } from './support/tui-harness.js';

const TMUX = hasTmux();
/** CI must run these tests: there a missing tmux or build fails instead of skipping. */
const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!TMUX && !IN_CI) console.warn('tui.e2e: skipped, tmux is not installed (apt-get install tmux)');
if (!BUILT && !IN_CI) console.warn('tui.e2e: skipped, dist/ is not built (npm run build)');

describe.runIf(IN_CI)('the TUI end-to-end tests in CI', () => {
  it('have tmux and a built client to run with', () => {
    expect(TMUX, 'tmux is not installed: CI must run the TUI end-to-end tests (apt-get install tmux)').toBe(
      true,
    );
    expect(BUILT, 'dist/ is not built: run npm run build before the tests').toBe(true);
  });
});

describe.skipIf(!TMUX || !BUILT)('node reference-client TUI in tmux (e2e)', { timeout: 60_000 }, () => {
  const harness = useTuiHarness();
  const { server, tui } = harness;
  let tmux: Tmux;
  beforeAll(() => {
    tmux = harness.tmux;
  });

  it('joins and shows the room, the server key and the status bar', async () => {
    const srv = await server({ motd: 'welcome in' });
    const { name } = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`);
    const screen = await tmux.waitFor(name, /● joined as alice/);
    expect(screen).toContain('Parley');
    expect(screen).toContain(`connected to 127.0.0.1:${srv.port}: v2, x25519+AES-256-GCM`);
    expect(screen).toContain(srv.fingerprint!);
    expect(screen).toContain('-!- motd: welcome in');
    expect(screen).toMatch(/│ Users \(1\)/);
    expect(screen).toMatch(/v2 x25519\+AES-256-GCM/);
    expect(screen).toContain('[alice]');
  });

  it('asks for the server and port, then a name; a taken name asks again', async () => {
    const srv = await server();
    const first = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`);
    await tmux.waitFor(first.name, /● joined as alice/);
    const { name } = tui('');
    await tmux.waitFor(name, /Server \[127\.0\.0\.1\]:/);
    tmux.keys(name, 'Enter');
    await tmux.waitFor(name, /Port \[7878\]:/);
    tmux.type(name, String(srv.port));
    tmux.keys(name, 'Enter');
    // The name is asked before connecting, so no handshake timeout runs while it is typed.
    await tmux.waitFor(name, /^Name:/m);
    tmux.type(name, 'alice');
    tmux.keys(name, 'Enter');
    await tmux.waitFor(name, /!!! NAME_TAKEN: /);
    await tmux.waitFor(name, /choose another name/);
    tmux.type(name, 'bob');
    tmux.keys(name, 'Enter');
    const screen = await tmux.waitFor(name, /● joined as bob/);
    expect(screen).toMatch(/ alice\s*$/m);
    expect(screen).toMatch(/ bob\s*$/m);
    expect(screen).toMatch(/Users \(2\)/);
  });

  it('asks the name first, asks to trust a new server key, and offers the last server, port and name next time', async () => {
    const srv = await server();
    const first = tui(`-s 127.0.0.1 -p ${srv.port}`, undefined, true);
    await tmux.waitFor(first.name, /^Name:/m);
    tmux.type(first.name, 'dora');
    tmux.keys(first.name, 'Enter');
    const asked = await tmux.waitFor(first.name, /trust this server\? \[y\/N\]/);
    expect(asked).toContain(srv.fingerprint!);
    expect(asked).toContain('its key is not in known_servers yet');
    tmux.type(first.name, 'y');
    tmux.keys(first.name, 'Enter');
    await tmux.waitFor(first.name, /● joined as dora/);
    tmux.type(first.name, '/quit');
    tmux.keys(first.name, 'Enter');
    await tmux.waitFor(first.name, /EXIT 0/);
    // The same config directory, no options: the defaults are the last server, port and name,
    // and the key recorded on first contact is not asked about again.
    const again = harness.tuiIn(first.cwd, '');
    await tmux.waitFor(again, /Server \[127\.0\.0\.1\]:/);
    tmux.keys(again, 'Enter');
    await tmux.waitFor(again, new RegExp(`Port \\[${srv.port}\\]:`));
    tmux.keys(again, 'Enter');
    await tmux.waitFor(again, /Name \[dora\]:/);
    tmux.keys(again, 'Enter');
    const screen = await tmux.waitFor(again, /● joined as dora/);
    expect(screen).not.toContain('trust this server');
    expect(screen).toMatch(/\(matches[\s\S]*?known_servers\)/); // wrapped beside the user list
  });

  it('chats between two clients, with /msg, /me, Tab completion and history', async () => {
    const srv = await server();
    const a = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`);
    await tmux.waitFor(a.name, /● joined as alice/);
    const b = tui(`-s 127.0.0.1 -p ${srv.port} -u bob`);
    await tmux.waitFor(b.name, /● joined as bob/);
    await tmux.waitFor(a.name, /-!- bob joined/);

    tmux.type(a.name, 'hello bob, {braces} stay text');
    tmux.keys(a.name, 'Enter');
    await tmux.waitFor(b.name, /<alice> hello bob, \{braces\} stay text/);

    tmux.type(b.name, '/me waves');
    tmux.keys(b.name, 'Enter');
    await tmux.waitFor(a.name, /\* bob waves/);

    // Tab completes the command and the name.
    tmux.type(a.name, '/ms');
    tmux.keys(a.name, 'Tab');
    tmux.type(a.name, 'bo');
    tmux.keys(a.name, 'Tab');
    await tmux.waitFor(a.name, /\[alice\] \/msg bob\b/);
    tmux.type(a.name, 'a secret');
    tmux.keys(a.name, 'Enter');
    await tmux.waitFor(b.name, /\[PM from alice\] a secret/);
    await tmux.waitFor(a.name, /\[PM to bob\] a secret/);

    // Up brings back the last line.
    tmux.keys(a.name, 'Up');
    await tmux.waitFor(a.name, /\[alice\] \/msg bob a secret/);
    tmux.keys(a.name, 'C-u');

    tmux.type(a.name, '/nonsense');
    tmux.keys(a.name, 'Enter');
    await tmux.waitFor(a.name, /unknown command \/nonsense/);
    expect(tmux.screen(b.name)).not.toContain('nonsense');
  });

  it('switches /theme and remembers it', async () => {
    const srv = await server();
    const { name, cwd } = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`);
    await tmux.waitFor(name, /● joined as alice/);
    tmux.type(name, '/theme');
    tmux.keys(name, 'Enter');
    await tmux.waitFor(name, /themes: Nord \(current\), Pure Black, Dark, Light/);
    tmux.type(name, '/theme light');
    tmux.keys(name, 'Enter');
    await tmux.waitFor(name, /-!- theme: Light/);
    expect(JSON.parse(readFileSync(join(cwd, 'config', 'config.json'), 'utf8'))).toMatchObject({
      theme: 'light',
    });
  });

  it('writes /export to exported/ under the working directory', async () => {
    const srv = await server();
    const { name, cwd } = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`);
    await tmux.waitFor(name, /● joined as alice/);
    tmux.type(name, 'something worth keeping');
    tmux.keys(name, 'Enter');
    await tmux.waitFor(name, /<alice> something worth keeping/);
    tmux.type(name, '[export_chat]');
    tmux.keys(name, 'Enter');
    const screen = await tmux.waitFor(name, /export written to exported\/chat-[\dT-]+\.txt/);
    const [file] = readdirSync(join(cwd, 'exported'));
    expect(screen).toContain(file);
    const text = readFileSync(join(cwd, 'exported', file), 'utf8');
    expect(text).toMatch(/^\[[\d -:]+\] -!- alice joined\n\[[\d -:]+\] <alice> something worth keeping\n$/);
  });

  it('shows a lost connection, queues what is typed, and reconnects when the server is back', async () => {
    const srv = await server();
    const a = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`);
    await tmux.waitFor(a.name, /● joined as alice/);
    await srv.stop();
    await tmux.waitFor(a.name, /● connection lost/);
    await tmux.waitFor(
      a.name,
      /!!! connection lost: the server closed the connection \(server shutting down\)/,
    );
    tmux.type(a.name, 'typed while it was down');
    tmux.keys(a.name, 'Enter');
    await tmux.waitFor(a.name, /\(queued\) typed while it was down/);
    await tmux.waitFor(a.name, /1 queued/);
    await srv.start();
    // The server's echo of the queued line proves it was sent after the re-join.
    const screen = await tmux.waitFor(a.name, /<alice> typed while it was down/, 20_000);
    expect(screen).toContain('reconnected to');
    expect(screen).toContain('● joined as alice');
    expect(screen).not.toContain('(queued)');
  });

  it('scrolls back with PageUp and follows again with PageDown', async () => {
    const srv = await server({ limits: { rateBurst: 100, ratePerSecond: 100 } });
    const { name } = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`, { width: 100, height: 15 });
    await tmux.waitFor(name, /● joined as alice/);
    for (let i = 1; i <= 30; i++) {
      tmux.type(name, `line number ${i}`);
      tmux.keys(name, 'Enter');
    }
    await tmux.waitFor(name, /<alice> line number 30/);
    tmux.keys(name, 'PPage');
    let screen = await tmux.waitFor(name, /▲ scrolled/);
    expect(screen).not.toContain('line number 30');
    expect(screen).toContain('line number 19');
    tmux.keys(name, 'NPage');
    screen = await tmux.waitFor(name, /<alice> line number 30/);
    expect(screen).not.toContain('▲ scrolled');
  });

  it('re-lays out on resize: the user list hides on a narrow terminal', async () => {
    const srv = await server();
    const { name } = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`, { width: 110, height: 20 });
    await tmux.waitFor(name, /Users \(1\)/);
    tmux.resize(name, 50, 20);
    await tmux.waitFor(name, /^(?![\s\S]*Users \(1\))[\s\S]*● joined as alice/);
    tmux.resize(name, 120, 25);
    await tmux.waitFor(name, /Users \(1\)/);
  });

  it('exits cleanly on Ctrl-C and on /quit, restoring the terminal', async () => {
    const srv = await server();
    const a = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`);
    const b = tui(`-s 127.0.0.1 -p ${srv.port} -u bob`);
    await tmux.waitFor(a.name, /● joined as alice/);
    await tmux.waitFor(b.name, /● joined as bob/);
    tmux.keys(a.name, 'C-c');
    const screen = await tmux.waitFor(a.name, /EXIT 0/);
    expect(screen).not.toContain('Parley');
    await tmux.waitFor(b.name, /-!- alice left \(quit\)/);
    tmux.type(b.name, '/quit');
    tmux.keys(b.name, 'Enter');
    await tmux.waitFor(b.name, /EXIT 0/);
  });

  it('chats on a legacy server, warning that it is not authenticated', async () => {
    const srv = await server({ profile: 'legacy' });
    const a = tui(`-s 127.0.0.1 -p ${srv.port} -u alice`);
    const screen = await tmux.waitFor(a.name, /● joined as alice/);
    expect(screen).toContain('NOT authenticated');
    expect(screen).toMatch(/│ legacy AES-256-CFB8 │ server NOT authenticated/);
    tmux.type(a.name, 'old school');
    tmux.keys(a.name, 'Enter');
    await tmux.waitFor(a.name, /<alice> old school/);
    tmux.type(a.name, '/me tries');
    tmux.keys(a.name, 'Enter');
    await tmux.waitFor(a.name, /legacy servers have no actions/);
  });
});
