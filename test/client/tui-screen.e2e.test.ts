/**
 * End to end, TUI: what only the screen shows (wide characters, the user list, redraws), read
 * back from a real pseudo-terminal (tmux) with the client against a reference server on 127.0.0.1.
 * Runs with tui.e2e.test.ts's rules: needs `npm run build` and tmux, and CI fails without them.
 */
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../../reference-client/view/text-layout.js';
import { BUILT, hasTmux, type Tmux } from './support/processes.js';
import { useTuiHarness } from './support/tui-harness.js';

const TMUX = hasTmux();

/** Display columns before each `│` on a row of the captured screen. */
function dividerColumns(row: string): number[] {
  const columns: number[] = [];
  let at = row.indexOf('│');
  while (at >= 0) {
    columns.push(displayWidth(row.slice(0, at)));
    at = row.indexOf('│', at + 1);
  }
  return columns;
}

describe.skipIf(!TMUX || !BUILT)('the TUI screen in tmux (e2e)', { timeout: 90_000 }, () => {
  const harness = useTuiHarness();
  let tmux: Tmux;
  beforeAll(() => {
    tmux = harness.tmux;
  });

  it('draws emoji and CJK in their columns, and leaves no trace of them once scrolled off', async () => {
    const srv = await harness.server({ limits: { rateBurst: 100, ratePerSecond: 100 } });
    const width = 100;
    const height = 14;
    const { name } = harness.tui(`-s 127.0.0.1 -p ${srv.port} -u alice`, { width, height });
    await tmux.waitFor(name, /● joined as alice/);
    const divider = width - 14 - 1; // the user list is 14 columns wide for short names
    const wide = 'wide 🚀🛸🚁 😀🙏 字漢字 한국어 🚀 end';
    tmux.type(name, wide);
    tmux.keys(name, 'Enter');
    tmux.type(name, `${'🚀字'.repeat(30)} wrapped`);
    tmux.keys(name, 'Enter');
    let screen = await tmux.waitFor(name, /<alice> 🚀字[\s\S]*wrapped/);
    const paneRows = screen.split('\n').slice(1, height - 2);
    expect(paneRows.join('\n')).toContain(`<alice> ${wide}`);
    for (const row of paneRows) expect(dividerColumns(row), row).toEqual([divider]);

    for (let i = 1; i <= height; i++) {
      tmux.type(name, `plain line ${i}`);
      tmux.keys(name, 'Enter');
    }
    screen = await tmux.waitFor(name, new RegExp(`<alice> plain line ${height}\\b`));
    expect(screen).not.toMatch(/[🚀🛸🚁😀🙏字漢한국어]/u);
    for (const row of screen.split('\n').slice(1, height - 2)) {
      expect(dividerColumns(row), row).toEqual([divider]);
      const left = row.slice(0, row.indexOf('│')).trimEnd();
      expect(left, row).toMatch(/^(\d\d:\d\d:\d\d (<alice> plain line \d+|-!- .*))?$/);
    }
  });

  it('draws every emoji of a long wrapped line, the last of a row too (none cut, none drawn as U+FFFD)', async () => {
    const srv = await harness.server();
    const { name } = harness.tui(`-s 127.0.0.1 -p ${srv.port} -u alice`, { width: 120, height: 35 });
    await tmux.waitFor(name, /● joined as alice/);
    const text = `${'long line 漢字 🚀 '.repeat(40)}END`;
    tmux.paste(name, text);
    tmux.keys(name, 'Enter');
    const screen = await tmux.waitFor(name, /END\s*│/);
    const pane = screen
      .split('\n')
      .slice(1, 33)
      .map((row) => row.slice(0, row.indexOf('│')).trimEnd());
    expect(pane.join('\n')).not.toContain('\uFFFD');
    expect(pane.join('').match(/🚀/gu)).toHaveLength(40);
    expect(pane.join('').match(/漢字/gu)).toHaveLength(40);
    expect(pane.join('')).toMatch(/🚀\s*END$/);
  });

  it('takes a bracketed paste as one insertion: line breaks wait for Enter, 1,000 characters at once', async () => {
    const srv = await harness.server();
    const { name } = harness.tui(`-s 127.0.0.1 -p ${srv.port} -u alice`, { width: 120, height: 35 });
    await tmux.waitFor(name, /● joined as alice/);
    tmux.paste(name, 'first half\nsecond half');
    await tmux.waitFor(name, /^\[alice\] first half second half/m);
    expect(tmux.screen(name)).not.toContain('<alice> first');
    tmux.keys(name, 'C-u');
    const long = `${'0123456789'.repeat(99)}paste end`;
    tmux.paste(name, long);
    tmux.keys(name, 'Enter');
    const screen = await tmux.waitFor(name, /paste end\s*│/);
    expect(screen.replace(/\s*│.*\n\s*/g, '')).toContain(`<alice> ${long}`);
    expect(screen).toMatch(/^\[alice\]\s*$/m);
  });

  it('marks a private message, counts it unread while scrolled back, and shows the count in the status bar', async () => {
    const srv = await harness.server({ limits: { rateBurst: 100, ratePerSecond: 100 } });
    const a = harness.tui(`-s 127.0.0.1 -p ${srv.port} -u alice`, { width: 120, height: 15 });
    await tmux.waitFor(a.name, /● joined as alice/);
    const b = harness.tui(`-s 127.0.0.1 -p ${srv.port} -u bob`, { width: 120, height: 15 });
    await tmux.waitFor(b.name, /● joined as bob/);
    for (let i = 1; i <= 15; i++) {
      tmux.type(b.name, `filler ${i}`);
      tmux.keys(b.name, 'Enter');
    }
    await tmux.waitFor(a.name, /<bob> filler 15/);
    tmux.keys(a.name, 'PPage');
    await tmux.waitFor(a.name, /▲ scrolled/);
    tmux.type(b.name, '/msg alice are you there?');
    tmux.keys(b.name, 'Enter');
    await tmux.waitFor(a.name, /✉ 1 unread, 1 for you/);
    tmux.keys(a.name, 'Escape');
    const screen = await tmux.waitFor(a.name, /» \[PM from bob\] are you there\?/);
    expect(screen).not.toContain('unread');
  });

  it('redraws the whole screen on Ctrl-L, wiping what another program wrote over it', async () => {
    const srv = await harness.server();
    const { name } = harness.tui(`-s 127.0.0.1 -p ${srv.port} -u alice`, { width: 100, height: 20 });
    await tmux.waitFor(name, /● joined as alice/);
    writeFileSync(tmux.paneTty(name), '\x1b[12;30HSTRAY-OUTPUT-FROM-ELSEWHERE');
    await tmux.waitFor(name, /STRAY-OUTPUT-FROM-ELSEWHERE/);
    tmux.keys(name, 'C-l');
    await tmux.waitFor(name, /^(?![\s\S]*STRAY-OUTPUT)[\s\S]*● joined as alice/);
  });
});
