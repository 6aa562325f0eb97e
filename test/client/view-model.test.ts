import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../reference-client/app/backoff.js';
import { parseInput } from '../../reference-client/view/commands.js';
import { formatLine, plainLine } from '../../reference-client/view/line-format.js';
import { formatTime, nickColour, sanitize } from '../../reference-client/view/text.js';
import { displayWidth, wrapSegments } from '../../reference-client/view/text-layout.js';
import { ViewModel } from '../../reference-client/view/view-model.js';
import type { Effect, KeyName, Viewer, ViewModelOptions } from '../../reference-client/view/view-types.js';
import type { ChatMessage, ReadyInfo } from '../../src/client/events.js';
import { V2_NAME_RULES } from '../../src/generated/constants.js';

const T0 = new Date(2026, 10, 27, 14, 5, 9).getTime();

// The session's events, as the app hands them to the view model.
const ready = (vm: ViewModel, info: ReadyInfo) => vm.apply({ kind: 'ready', record: false, ...info });
const joinedEvent = (vm: ViewModel, name: string, users: string[]) =>
  vm.apply({ kind: 'joined', name, users });
const message = (vm: ViewModel, m: ChatMessage) => vm.apply({ kind: 'message', message: m });
const presence = (vm: ViewModel, kind: 'joined' | 'left', names: string[], ts: number, reason?: string) =>
  vm.apply({
    kind: 'presence',
    change: kind === 'joined' ? { kind, names, ts } : { kind, names, reason, ts },
  });

function model(options: Partial<ViewModelOptions> = {}): ViewModel {
  let now = T0;
  return new ViewModel({
    server: '127.0.0.1:7878',
    profile: 'auto',
    theme: 'nord',
    now: () => now++,
    ...options,
  });
}

/** A model that is connected (v2) and joined as alice with bob and carol. */
function joined(name = 'alice', users = ['alice', 'bob', 'Carol', 'carla']): ViewModel {
  const vm = model({ name });
  vm.connecting(0);
  expect(
    ready(vm, { profile: 'v2', suite: 'x25519+AES-256-GCM', fingerprint: 'SHA256:x', trust: 'known' }),
  ).toEqual([{ kind: 'join', name }]);
  joinedEvent(vm, name, users);
  return vm;
}

function type(vm: ViewModel, text: string): Effect[] {
  vm.insert(text);
  return vm.key('enter');
}

/** Presses a key and returns the input line after it. */
function press(vm: ViewModel, key: KeyName): string {
  vm.key(key);
  return vm.state.input;
}

/** What a legacy connection reports (unauthenticated, no fingerprint). */
const LEGACY = {
  profile: 'legacy',
  suite: 'modp14 (legacy) AES-256-CFB8, unauthenticated',
  fingerprint: null,
  trust: 'none',
} as const;
/** What a v2 connection to a known server reports. */
const V2_KNOWN = { profile: 'v2', suite: 's', fingerprint: 'SHA256:x', trust: 'known' } as const;

/** Alice reading lines from a v2 server. */
const ALICE: Viewer = { me: 'alice', rules: V2_NAME_RULES };

const lastLine = (vm: ViewModel) => vm.state.lines.at(-1)!;
const texts = (vm: ViewModel) => vm.state.lines.map((l) => plainLine(l, vm.viewer));

describe('parseInput', () => {
  it('reads chat text, slash commands and the original bracket commands', () => {
    expect(parseInput('hello there ')).toEqual({ kind: 'say', text: 'hello there' });
    expect(parseInput('   ')).toEqual({ kind: 'empty' });
    expect(parseInput('/help')).toEqual({ kind: 'help' });
    expect(parseInput('[help]')).toEqual({ kind: 'help' });
    expect(parseInput('/export')).toEqual({ kind: 'export' });
    expect(parseInput(' [export_chat] ')).toEqual({ kind: 'export' });
    expect(parseInput('/msg bob hi there')).toEqual({ kind: 'msg', to: 'bob', text: 'hi there' });
    expect(parseInput('/me waves')).toEqual({ kind: 'me', text: 'waves' });
    expect(parseInput('/theme Pure Black')).toEqual({ kind: 'theme', name: 'Pure Black' });
    expect(parseInput('/theme')).toEqual({ kind: 'theme' });
    expect(parseInput('/QUIT')).toEqual({ kind: 'quit' });
    expect(parseInput('/exit')).toEqual({ kind: 'quit' });
    expect(parseInput('/who')).toEqual({ kind: 'users' });
    expect(parseInput('/reconnect')).toEqual({ kind: 'reconnect' });
    expect(parseInput('/clear')).toEqual({ kind: 'clear' });
  });

  it('sends a line starting with // as text beginning with /', () => {
    expect(parseInput('//etc/passwd is a file')).toEqual({ kind: 'say', text: '/etc/passwd is a file' });
  });

  it('answers a command without its arguments with the usage', () => {
    expect(parseInput('/msg bob')).toEqual({ kind: 'usage', command: 'msg', usage: '/msg NAME TEXT' });
    expect(parseInput('/me')).toEqual({ kind: 'usage', command: 'me', usage: '/me TEXT' });
  });

  it('suggests the closest command for an unknown one', () => {
    expect(parseInput('/hepl')).toEqual({ kind: 'unknown', command: 'hepl', suggestion: 'help' });
    expect(parseInput('/exp')).toEqual({ kind: 'unknown', command: 'exp', suggestion: 'export' });
    expect(parseInput('/zzzzzz')).toEqual({ kind: 'unknown', command: 'zzzzzz' });
  });
});

describe('ViewModel commands', () => {
  it('sends chat when joined and clears the input line', () => {
    const vm = joined();
    expect(type(vm, 'hello')).toEqual([{ kind: 'say', text: 'hello' }]);
    expect(vm.state.input).toBe('');
  });

  it('turns /msg and /me into effects on v2', () => {
    const vm = joined();
    expect(type(vm, '/msg bob psst')).toEqual([{ kind: 'msg', to: 'bob', text: 'psst' }]);
    expect(type(vm, '/me waves')).toEqual([{ kind: 'me', text: 'waves' }]);
  });

  it('says that legacy servers have no /msg or /me, and sends nothing', () => {
    const vm = model({ name: 'alice' });
    ready(vm, LEGACY);
    joinedEvent(vm, 'alice', ['alice']);
    expect(type(vm, '/msg bob psst')).toEqual([]);
    expect(lastLine(vm)).toMatchObject({ kind: 'error' });
    expect(lastLine(vm).text).toContain('legacy servers have no private messages');
    expect(type(vm, '/me waves')).toEqual([]);
    expect(lastLine(vm).text).toContain('legacy servers have no actions');
  });

  it('warns that a legacy connection is not authenticated', () => {
    const vm = model({ name: 'alice' });
    ready(vm, LEGACY);
    const warning = vm.state.lines.find((l) => l.kind === 'warning')!;
    expect(warning.text).toMatch(/NOT authenticated/);
    expect(vm.statusSegments().map((s) => s.text)).toContain('server NOT authenticated');
  });

  it('answers an unknown command with a hint and sends nothing', () => {
    const vm = joined();
    expect(type(vm, '/hepl')).toEqual([]);
    expect(lastLine(vm)).toMatchObject({ kind: 'error' });
    expect(lastLine(vm).text).toContain('did you mean /help?');
  });

  it('echoes an unknown command as it was typed, and suggests by any case', () => {
    const vm = joined();
    expect(type(vm, '/HePl now')).toEqual([]);
    expect(lastLine(vm).text).toMatch(/^unknown command \/HePl: did you mean \/help\? /);
  });

  it('parses /server HOST [PORT], IPv6 bare or bracketed, and refuses a bad port', () => {
    expect(parseInput('/server example.org')).toEqual({ kind: 'server', host: 'example.org' });
    expect(parseInput('/server 127.0.0.1 7879')).toEqual({ kind: 'server', host: '127.0.0.1', port: 7879 });
    expect(parseInput('/server [::1] 7879')).toEqual({ kind: 'server', host: '::1', port: 7879 });
    expect(parseInput('/server ::1')).toEqual({ kind: 'server', host: '::1' });
    for (const bad of ['/server', '/server a 0', '/server a 70000', '/server a b c']) {
      expect(parseInput(bad), bad).toMatchObject({ kind: 'usage', usage: '/server HOST [PORT]' });
    }
    const vm = joined();
    expect(type(vm, '/server example.org 7000')).toEqual([
      { kind: 'server', host: 'example.org', port: 7000 },
    ]);
  });

  it('gives a refused chat line back in the input line, or in the history when the input is in use', () => {
    const vm = joined();
    vm.apply({
      kind: 'error',
      code: 'RATE_LIMITED',
      message: 'slow down',
      fatal: false,
      unsent: { kind: 'msg', to: 'bob', text: 'hi there' },
    });
    expect(lastLine(vm)).toMatchObject({ kind: 'error', code: 'RATE_LIMITED' });
    expect(lastLine(vm).text).toBe(
      'slow down (not sent: “hi there”; back in the input line: Enter sends it again)',
    );
    expect(vm.state.input).toBe('/msg bob hi there');
    expect(vm.key('enter')).toEqual([{ kind: 'msg', to: 'bob', text: 'hi there' }]);
    vm.insert('half typed');
    vm.apply({
      kind: 'error',
      code: 'MESSAGE_TOO_LONG',
      message: 'too long',
      fatal: false,
      unsent: { kind: 'me', text: 'waves' },
    });
    expect(lastLine(vm).text).toMatch(/Up recalls it\)$/);
    expect(vm.state.input).toBe('half typed');
    expect(vm.state.history.at(-1)).toBe('/me waves');
  });

  it('ends an export the server never answered, so that nothing waits for it', () => {
    const vm = joined();
    expect(type(vm, '/export')).toEqual([{ kind: 'export' }]);
    expect(vm.idle).toBe(false);
    vm.apply({ kind: 'export-timeout', seconds: 10 });
    expect(lastLine(vm).text).toBe(
      'export failed: the server did not answer within 10 s; nothing was written',
    );
    expect(vm.idle).toBe(true);
  });

  it('legacy: reports how many are here once the list of the others has come', () => {
    const vm = model({ name: 'carol' });
    vm.connecting(0);
    ready(vm, LEGACY);
    vm.apply({ kind: 'joined', name: 'carol', users: ['carol'], usersToCome: true });
    expect(lastLine(vm).text).toBe('joined as carol');
    vm.apply({ kind: 'users', users: ['alice', 'bob', 'carol'] });
    expect(lastLine(vm).text).toBe('3 users here');
    vm.apply({ kind: 'users', users: ['alice', 'carol'] });
    expect(lastLine(vm).text).toBe('3 users here');
  });

  it('says "cannot connect" for a connection that never existed, and how to change server', () => {
    const vm = model({ name: 'alice' });
    vm.connecting(0);
    vm.connectionLost(
      'CONNECTION_LOST: nothing is listening on 127.0.0.1:7878 (connection refused)',
      T0 + 500,
      1,
      true,
    );
    expect(lastLine(vm).text).toMatch(
      /^cannot connect to 127\.0\.0\.1:7878: CONNECTION_LOST: nothing is listening .*; retrying in .* · \/server HOST \[PORT\] to change server$/,
    );
    vm.serverChanged('example.org:7000');
    expect(vm.state.status.server).toBe('example.org:7000');
    expect(vm.state.lastLoss).toBeNull();
  });

  it('lists commands and keys for /help and [help]', () => {
    for (const command of ['/help', '[help]']) {
      const vm = joined();
      expect(type(vm, command)).toEqual([]);
      const all = texts(vm).join('\n');
      for (const c of ['/msg', '/me', '/users', '/export', '/theme', '/clear', '/reconnect', '/quit']) {
        expect(all).toContain(c);
      }
      expect(all).toContain('PageUp/PageDown');
    }
  });

  it('asks for the export on /export and [export_chat], and refuses when not joined', () => {
    const vm = joined();
    expect(type(vm, '/export')).toEqual([{ kind: 'export' }]);
    expect(type(vm, '[export_chat]')).toEqual([{ kind: 'export' }]);
    expect(vm.idle).toBe(false);
    vm.exportSaved('exported/chat-1.txt');
    vm.exportSaved('exported/chat-2.txt');
    expect(vm.idle).toBe(true);
    expect(lastLine(vm).text).toBe('export written to exported/chat-2.txt');
    const offline = model({ name: 'alice' });
    expect(type(offline, '/export')).toEqual([]);
    expect(lastLine(offline).kind).toBe('error');
  });

  it('lists the users on /users and asks a v2 server to refresh', () => {
    const vm = joined();
    expect(type(vm, '/users')).toEqual([{ kind: 'who' }]);
    expect(lastLine(vm).text).toBe('4 users: alice, bob, Carol, carla');
    const offline = model({ name: 'alice' });
    expect(type(offline, '/users')).toEqual([]);
    expect(lastLine(offline).text).toBe('not in the room: no user list');
  });

  it('answers a command without its arguments with its usage, and chat before a name with a hint', () => {
    const vm = joined();
    expect(type(vm, '/msg bob')).toEqual([]);
    expect(texts(vm).at(-1)).toBe('error: usage: /msg NAME TEXT');
    const nameless = model();
    expect(type(nameless, '/me waves')).toEqual([]);
    expect(texts(nameless).at(-1)).toBe('error: choose a name first: type the name you want and press Enter');
    expect(nameless.phase).toBe('name');
  });

  it('turns an export from the session into a file to write: v2 entries, or legacy text, made safe', () => {
    const vm = joined();
    expect(
      vm.apply({ kind: 'export', entries: [{ kind: 'message', from: 'bob', text: 'hi\u001b[2J', ts: T0 }] }),
    ).toEqual([{ kind: 'write-export', text: '[2026-11-27 14:05:09] <bob> hi\uFFFD[2J' }]);
    expect(vm.apply({ kind: 'export-text', text: 'one\nbob> two\u0007' })).toEqual([
      { kind: 'write-export', text: 'one\nbob> two\uFFFD' },
    ]);
  });

  it('reports a failed export and counts it as answered', () => {
    const vm = joined();
    type(vm, '/export');
    vm.exportFailed('disk full');
    expect(vm.idle).toBe(true);
    expect(texts(vm).at(-1)).toBe('error: export failed: disk full');
  });

  it('shows a non-fatal error from the server, and leaves a fatal one to the app', () => {
    const vm = joined();
    vm.apply({ kind: 'error', code: 'RATE_LIMITED', message: 'slow down', fatal: false });
    expect(texts(vm).at(-1)).toBe('error RATE_LIMITED: slow down');
    vm.apply({ kind: 'error', code: 'PACKET_MALFORMED', message: 'bad', fatal: true });
    expect(texts(vm).at(-1)).toBe('error RATE_LIMITED: slow down');
  });

  it('clears the pane on /clear but keeps queued lines visible', () => {
    const vm = model({ name: 'alice' });
    vm.system('something to clear');
    type(vm, 'queued one');
    expect(vm.state.lines).toHaveLength(2);
    type(vm, '/clear');
    expect(vm.state.lines.map((l) => l.kind)).toEqual(['pending']);
  });

  it('quits on /quit', () => {
    expect(type(joined(), '/quit')).toEqual([{ kind: 'quit' }]);
  });

  it('reconnects on /reconnect, also when joined (as /help says)', () => {
    const vm = joined();
    expect(type(vm, '/reconnect')).toEqual([{ kind: 'reconnect' }]);
    expect(lastLine(vm).text).toBe('reconnecting…');
    vm.connectionLost('CONNECTION_LOST: gone', T0 + 5000, 1);
    expect(type(vm, '/reconnect')).toEqual([{ kind: 'reconnect' }]);
  });
});

describe('ViewModel themes', () => {
  it('lists the themes with no argument, the current one marked', () => {
    const vm = joined();
    expect(type(vm, '/theme')).toEqual([]);
    expect(lastLine(vm).text).toBe('themes: Nord (current), Pure Black, Dark, Light; /theme NAME to switch');
  });

  it('switches theme by any spelling and asks to remember it', () => {
    const vm = joined();
    expect(type(vm, '/theme Pure Black')).toEqual([{ kind: 'save-theme', theme: 'pure-black' }]);
    expect(vm.state.theme).toBe('pure-black');
    expect(type(vm, '/theme light')).toEqual([{ kind: 'save-theme', theme: 'light' }]);
    expect(vm.state.theme).toBe('light');
  });

  it('refuses an unknown theme and keeps the current one', () => {
    const vm = joined();
    expect(type(vm, '/theme neon')).toEqual([]);
    expect(vm.state.theme).toBe('nord');
    expect(lastLine(vm).kind).toBe('error');
  });
});

describe('ViewModel names', () => {
  it('reads the first line as the name when none was given, and joins once connected', () => {
    const vm = model();
    expect(vm.phase).toBe('name');
    expect(vm.prompt).toBe('name: ');
    ready(vm, { profile: 'v2', suite: 'x25519+AES-256-GCM', fingerprint: 'SHA256:x', trust: 'new' });
    expect(lastLine(vm).text).toMatch(/choose a name/);
    expect(type(vm, 'alice')).toEqual([{ kind: 'join', name: 'alice' }]);
    expect(vm.joinPending).toBe(true);
    joinedEvent(vm, 'alice', ['alice']);
    expect(vm.joinPending).toBe(false);
    expect(vm.phase).toBe('chat');
    expect(vm.prompt).toBe('[alice] ');
  });

  it('asks again after a refused name', () => {
    const vm = model({ name: 'bob' });
    expect(ready(vm, V2_KNOWN)).toEqual([{ kind: 'join', name: 'bob' }]);
    vm.apply({ kind: 'join-refused', code: 'NAME_TAKEN', message: 'the name is taken' });
    expect(vm.phase).toBe('name');
    expect(texts(vm)).toContain('error NAME_TAKEN: the name is taken (bob)');
    expect(type(vm, 'bob2')).toEqual([{ kind: 'join', name: 'bob2' }]);
  });

  it('stores a name typed before the connection is up and joins with it later', () => {
    const vm = model();
    vm.connecting(0);
    expect(type(vm, 'alice')).toEqual([]);
    expect(ready(vm, V2_KNOWN)).toEqual([{ kind: 'join', name: 'alice' }]);
  });

  it('reconnects when a name is chosen while idle', () => {
    const vm = model();
    vm.connectionLost('HANDSHAKE_TIMEOUT: too slow', null, 0);
    expect(type(vm, 'alice')).toEqual([{ kind: 'reconnect' }]);
  });
});

describe('ViewModel queueing while disconnected', () => {
  it('queues chat typed while not joined, shows it pending, and sends it after the (re)join', () => {
    const vm = joined();
    vm.connectionLost('CONNECTION_LOST: the server went away', T0 + 1000, 1);
    expect(vm.state.me).toBeNull();
    expect(vm.state.users).toEqual([]);
    expect(type(vm, 'are you there?')).toEqual([]);
    expect(type(vm, '/msg bob later')).toEqual([]);
    expect(vm.state.outbox).toHaveLength(2);
    expect(vm.idle).toBe(false);
    expect(texts(vm)).toContain('queued: are you there?');
    expect(texts(vm)).toContain('queued: [PM to bob] later');
    expect(vm.statusSegments().map((s) => s.text)).toContain('2 queued');
    // Reconnected: the same name is joined again, then the outbox goes out in order.
    expect(ready(vm, V2_KNOWN)).toEqual([{ kind: 'join', name: 'alice' }]);
    expect(joinedEvent(vm, 'alice', ['alice', 'bob'])).toEqual([
      { kind: 'say', text: 'are you there?' },
      { kind: 'msg', to: 'bob', text: 'later' },
    ]);
    expect(vm.state.outbox).toEqual([]);
    expect(vm.state.lines.some((l) => l.kind === 'pending')).toBe(false);
    expect(vm.idle).toBe(true);
  });

  it('asks to reconnect when chat is typed while idle', () => {
    const vm = joined();
    vm.connectionLost('SERVER_AUTH_FAILED: bad', null, 1);
    expect(type(vm, 'hello?')).toEqual([{ kind: 'reconnect' }]);
    expect(vm.state.outbox).toHaveLength(1);
  });

  it('reports a lost connection with the retry time', () => {
    const vm = joined();
    vm.connectionLost('CONNECTION_LOST: reset', T0 + 60_000, 3);
    expect(lastLine(vm).kind).toBe('warning');
    expect(lastLine(vm).text).toMatch(/^connection lost: CONNECTION_LOST: reset; retrying in \d+\.\d s/);
    expect(vm.state.status.connection).toBe('lost');
    expect(vm.statusSegments()[0].text).toMatch(/connection lost, retry in \d+s \(#3\)/);
  });

  it('fails a pending export when the connection is lost', () => {
    const vm = joined();
    type(vm, '/export');
    vm.connectionLost('CONNECTION_LOST: reset', T0 + 1000, 1);
    expect(vm.state.exportsPending).toBe(0);
    expect(texts(vm).some((t) => t.startsWith('error: export: the connection was lost'))).toBe(true);
  });
});

describe('ViewModel history and editing', () => {
  it('walks the history with Up and Down and restores the draft', () => {
    const vm = joined();
    type(vm, 'one');
    type(vm, 'two');
    vm.insert('dra');
    expect(press(vm, 'up')).toBe('two');
    expect(press(vm, 'up')).toBe('one');
    expect(press(vm, 'up')).toBe('one');
    expect(press(vm, 'down')).toBe('two');
    expect(press(vm, 'down')).toBe('dra');
  });

  it('does not record consecutive duplicates or blank lines', () => {
    const vm = joined();
    type(vm, 'same');
    type(vm, 'same');
    type(vm, '   ');
    expect(vm.state.history).toEqual(['same']);
  });

  it('edits at the cursor: left, right, home, end, backspace, delete, Ctrl-W, Ctrl-U, Ctrl-K', () => {
    const vm = joined();
    vm.insert('hello world');
    vm.key('left');
    vm.key('left');
    expect(press(vm, 'backspace')).toBe('hello wold');
    vm.key('home');
    expect(press(vm, 'delete')).toBe('ello wold');
    vm.key('end');
    expect(press(vm, 'C-w')).toBe('ello ');
    vm.insert('there');
    vm.key('C-a');
    vm.key('right');
    expect(press(vm, 'C-k')).toBe('e');
    vm.insert('x');
    expect(press(vm, 'C-u')).toBe('');
  });

  it('moves over a surrogate pair as one character', () => {
    const vm = joined();
    vm.insert('a😀b');
    vm.key('left');
    vm.key('left');
    expect(vm.state.cursor).toBe(1);
    expect(press(vm, 'delete')).toBe('ab');
  });

  it('drops control characters from typed text', () => {
    const vm = joined();
    vm.insert('a\u001b[31mb\u0007');
    expect(vm.state.input).toBe('a[31mb');
  });
});

describe('ViewModel Tab completion', () => {
  it('completes a command at the start of the line', () => {
    const vm = joined();
    vm.insert('/th');
    expect(press(vm, 'tab')).toBe('/theme ');
  });

  it('completes theme names after /theme', () => {
    const vm = joined();
    vm.insert('/theme pu');
    expect(press(vm, 'tab')).toBe('/theme pure-black');
  });

  it('completes a name case-insensitively, with ": " at the start of a line', () => {
    const vm = joined();
    vm.insert('b');
    expect(press(vm, 'tab')).toBe('bob: ');
  });

  it('completes a name inside the line, e.g. after /msg, and cycles with more Tabs', () => {
    const vm = joined();
    vm.insert('/msg car');
    expect(press(vm, 'tab')).toBe('/msg carla ');
    expect(press(vm, 'tab')).toBe('/msg Carol ');
    expect(press(vm, 'tab')).toBe('/msg carla ');
    vm.insert('hi');
    expect(vm.state.input).toBe('/msg carla hi');
  });

  it('does not offer the own name, and does nothing without a match', () => {
    const vm = joined();
    vm.insert('al');
    expect(press(vm, 'tab')).toBe('al');
    vm.insert(' zz');
    expect(press(vm, 'tab')).toBe('al zz');
  });
});

describe('ViewModel scrollback', () => {
  function withLines(n: number): ViewModel {
    const vm = joined();
    for (let i = 0; i < n; i++) message(vm, { kind: 'chat', from: 'bob', text: `line ${i}`, ts: T0 + i });
    return vm;
  }

  it('shows the newest lines by default', () => {
    const vm = withLines(50);
    expect(vm.visibleLines(3).map((l) => l.text)).toEqual(['line 47', 'line 48', 'line 49']);
  });

  it('pages up and down by a pane less one line, stopping at the first page', () => {
    const vm = withLines(50);
    vm.key('pageup', 11);
    expect(vm.visibleLines(3).map((l) => l.text)).toEqual(['line 37', 'line 38', 'line 39']);
    vm.key('pagedown', 11);
    expect(vm.state.scroll).toBe(0);
    for (let i = 0; i < 20; i++) vm.key('pageup', 11);
    expect(vm.state.scroll).toBe(vm.state.lines.length - 11);
    vm.key('pagedown', 1000);
    expect(vm.state.scroll).toBe(0);
  });

  it('keeps the view still while scrolled back, counting new lines', () => {
    const vm = withLines(20);
    vm.scrollBy(5);
    const before = vm.visibleLines(2).map((l) => l.text);
    message(vm, { kind: 'chat', from: 'bob', text: 'new', ts: T0 });
    expect(vm.visibleLines(2).map((l) => l.text)).toEqual(before);
    expect(vm.state.unseen).toBe(1);
    expect(vm.statusSegments().at(-1)!.text).toBe('▲ scrolled, 1 new below');
    vm.key('escape');
    expect(vm.state.scroll).toBe(0);
    expect(vm.state.unseen).toBe(0);
  });

  it('jumps back to the bottom when a line is sent', () => {
    const vm = withLines(20);
    vm.scrollBy(5);
    type(vm, 'hi');
    expect(vm.state.scroll).toBe(0);
  });

  it('keeps at most maxLines lines', () => {
    const vm = model({ maxLines: 10 });
    for (let i = 0; i < 25; i++) vm.system(`s${i}`);
    expect(vm.state.lines).toHaveLength(10);
    expect(vm.state.lines[0].text).toBe('s15');
  });
});

describe('ViewModel key changes', () => {
  it('asks about a changed key and answers with effects', () => {
    const vm = model({ name: 'alice' });
    vm.apply({ kind: 'key-changed', known: 'SHA256:old', presented: 'SHA256:new' });
    expect(vm.phase).toBe('question');
    expect(vm.prompt).toMatch(/\[y\/N\]/);
    const all = texts(vm).join('\n');
    expect(all).toContain('SHA256:old');
    expect(all).toContain('SHA256:new');
    expect(type(vm, 'y')).toEqual([{ kind: 'answer-key', accept: true }]);
    expect(vm.phase).toBe('chat');
    expect(vm.state.history).toEqual([]);
  });

  it('takes anything but yes as no', () => {
    const vm = model({ name: 'alice' });
    vm.apply({ kind: 'key-changed', known: 'SHA256:old', presented: 'SHA256:new' });
    expect(type(vm, '')).toEqual([{ kind: 'answer-key', accept: false }]);
    expect(vm.state.status.connection).toBe('refused');
  });

  it('says in the status bar what it asks while a key question waits, not "refused"', () => {
    const vm = model({ name: 'alice' });
    vm.apply({ kind: 'key-unknown', presented: 'SHA256:new' });
    expect(vm.statusSegments()[0]).toMatchObject({ text: '● new server key: trust it?', style: 'warning' });
    expect(type(vm, 'no')).toEqual([{ kind: 'answer-key', accept: false }]);
    expect(vm.statusSegments()[0]).toMatchObject({ text: '● refused', style: 'error' });
    vm.apply({ kind: 'key-changed', known: 'SHA256:old', presented: 'SHA256:new' });
    expect(vm.statusSegments()[0].text).toBe('● server key CHANGED: accept it?');
  });
});

describe('formatting', () => {
  it('prints one line per event in --plain', () => {
    const vm = joined();
    message(vm, { kind: 'chat', from: 'bob', text: 'hello', ts: T0 });
    message(vm, { kind: 'action', from: 'bob', text: 'waves', ts: T0 });
    message(vm, { kind: 'private', from: 'bob', to: 'alice', text: 'psst', ts: T0 });
    message(vm, { kind: 'private', from: 'alice', to: 'bob', text: 'ok', ts: T0 });
    message(vm, { kind: 'notice', from: '*server*', text: '[!] slow down', ts: T0 });
    presence(vm, 'joined', ['dave'], T0);
    presence(vm, 'left', ['dave'], T0, 'quit');
    vm.error('NAME_TAKEN', 'taken');
    vm.warning('careful');
    expect(texts(vm).slice(-9)).toEqual([
      '[14:05:09] <bob> hello',
      '[14:05:09] * bob waves',
      '[14:05:09] [PM from bob] psst',
      '[14:05:09] [PM to bob] ok',
      '[14:05:09] -!- *server*: [!] slow down',
      '[14:05:09] -!- dave joined',
      '[14:05:09] -!- dave left (quit)',
      'error NAME_TAKEN: taken',
      'warning: careful',
    ]);
    expect(texts(vm)).toContain('joined as alice (4 users here)');
  });

  it('shows a join or leave of several users (users_joined/users_left) as one line', () => {
    const vm = joined();
    presence(vm, 'joined', ['ann', 'bob', 'cat'], T0);
    presence(vm, 'left', ['dan', 'eve'], T0, 'lost');
    const many = Array.from({ length: 162 }, (_, i) => `u${i}`);
    presence(vm, 'joined', many, T0);
    presence(vm, 'joined', many.slice(0, 6), T0); // six fit: no "and 1 others"
    presence(vm, 'left', many.slice(0, 7), T0, 'quit');
    presence(vm, 'joined', ['ev\u001bil', 'ok'], T0);
    expect(texts(vm).slice(-6)).toEqual([
      '[14:05:09] -!- ann, bob and cat joined',
      '[14:05:09] -!- dan and eve left (lost)',
      '[14:05:09] -!- u0, u1, u2, u3, u4 and 157 others joined',
      '[14:05:09] -!- u0, u1, u2, u3, u4 and u5 joined',
      '[14:05:09] -!- u0, u1, u2, u3, u4 and 2 others left (quit)',
      '[14:05:09] -!- ev\uFFFDil and ok joined',
    ]);
  });

  it('colours each name of a join of several users as a nick, in the TUI', () => {
    const vm = joined();
    presence(vm, 'joined', ['ann', 'bob', 'cat'], T0);
    const { segments, highlight } = formatLine(lastLine(vm), ALICE);
    expect(segments.slice(1)).toEqual([
      { text: '-!- ', style: 'system' },
      { text: 'ann', style: 'nick', nick: 'ann' },
      { text: ', ', style: 'system' },
      { text: 'bob', style: 'nick', nick: 'bob' },
      { text: ' and ', style: 'system' },
      { text: 'cat', style: 'nick', nick: 'cat' },
      { text: ' joined', style: 'system' },
    ]);
    expect(highlight).toBe(false);
    presence(vm, 'left', ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'], T0, 'timeout');
    expect(
      formatLine(lastLine(vm), ALICE)
        .segments.map((seg) => seg.text)
        .join(''),
    ).toBe('14:05:09 -!- u0, u1, u2, u3, u4 and 3 others left (timeout)');
  });

  it('formats timestamps as local HH:MM:SS', () => {
    expect(formatTime(T0)).toBe('14:05:09');
  });

  it('neutralises terminal escapes, bidi overrides and newlines in network text', () => {
    expect(sanitize('a\u001b[2Jb\u202ec\nd\te')).toBe('a\uFFFD[2Jb\uFFFDc ↵ d e');
    // Invisible format characters, which the old table let through (hardening item 9).
    expect(sanitize('x\u200by\u2060z\ufeff\u00ad\u{e0041}\u3164')).toBe(
      'x\uFFFDy\uFFFDz\uFFFD\uFFFD\uFFFD\uFFFD',
    );
    const vm = joined();
    message(vm, { kind: 'chat', from: 'ev\u001bil', text: 'x\u001b]0;pwned\u0007', ts: T0 });
    expect(plainLine(lastLine(vm), ALICE)).toBe('[14:05:09] <ev\uFFFDil> x\uFFFD]0;pwned\uFFFD');
  });

  it('highlights a line that mentions the user, but not the user’s own', () => {
    const vm = joined();
    message(vm, { kind: 'chat', from: 'bob', text: 'hey Alice, look', ts: T0 });
    expect(formatLine(lastLine(vm), ALICE).highlight).toBe(true);
    message(vm, { kind: 'chat', from: 'bob', text: 'malice aforethought', ts: T0 });
    expect(formatLine(lastLine(vm), ALICE).highlight).toBe(false);
    message(vm, { kind: 'chat', from: 'alice', text: 'alice here', ts: T0 });
    expect(formatLine(lastLine(vm), ALICE).highlight).toBe(false);
  });

  it('knows its own lines by the server’s name rule: the UTS #39 keys, on v2 and legacy (7.2, 10.2)', () => {
    const vm = joined('Straße', ['Straße', 'bob']);
    message(vm, { kind: 'chat', from: 'STRASSE', text: 'hi', ts: T0 });
    expect(formatLine(lastLine(vm), vm.viewer).segments[2]).toMatchObject({ style: 'own' });
    const viaLegacy = model({ name: 'Alice' });
    viaLegacy.connecting(0);
    ready(viaLegacy, LEGACY);
    joinedEvent(viaLegacy, 'Alice', ['Alice', 'bob']);
    message(viaLegacy, { kind: 'chat', from: 'bob', text: 'hi', ts: T0 });
    expect(formatLine(lastLine(viaLegacy), viaLegacy.viewer).segments[2]).toMatchObject({ style: 'nick' });
    message(viaLegacy, { kind: 'chat', from: 'ALICE', text: 'hi', ts: T0 });
    expect(formatLine(lastLine(viaLegacy), viaLegacy.viewer).segments[2]).toMatchObject({ style: 'own' });
  });

  it('gives each name a stable colour, the same whatever the case', () => {
    expect(nickColour('bob', 8)).toBe(nickColour('bob', 8));
    expect(nickColour('Bob', 8)).toBe(nickColour('bob', 8));
    const spread = new Set(
      ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'].map((n) => nickColour(n, 8)),
    );
    expect(spread.size).toBeGreaterThan(3);
  });

  it('wraps long lines at spaces with a hanging indent, and splits words longer than a row', () => {
    const rows = wrapSegments(
      [
        { text: '14:05:09 ', style: 'time' },
        { text: 'the quick brown fox jumps', style: 'text' },
      ],
      20,
      9,
    );
    expect(rows.map((r) => r.map((s) => s.text).join(''))).toEqual([
      '14:05:09 the quick',
      '         brown fox',
      '         jumps',
    ]);
    const long = wrapSegments([{ text: 'x'.repeat(25), style: 'text' }], 10, 0);
    expect(long.map((r) => r.map((s) => s.text).join(''))).toEqual([
      'x'.repeat(10),
      'x'.repeat(10),
      'x'.repeat(5),
    ]);
  });

  it('counts wide characters as two columns', () => {
    expect(displayWidth('ab')).toBe(2);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
  });
});

describe('backoffDelay', () => {
  it('doubles from 0.5 s to at most 30 s, with up to 25% jitter either way', () => {
    expect(backoffDelay(1, 0.5)).toBe(500);
    expect(backoffDelay(2, 0.5)).toBe(1000);
    expect(backoffDelay(3, 0.5)).toBe(2000);
    expect(backoffDelay(20, 0.5)).toBe(30_000);
    expect(backoffDelay(1, 0)).toBe(375);
    expect(backoffDelay(1, 0.999)).toBeLessThanOrEqual(625);
    expect(backoffDelay(40, 0.999)).toBe(30_000);
  });
});
