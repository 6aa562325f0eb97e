/**
 * The blessed terminal UI: a title bar, the messages pane, the user list, a status bar and the
 * input line. It renders from the view model only and turns keys into view-model calls.
 *
 * How this works: every change of the view model asks for a frame, and each frame (at most one
 * every FRAME_MS, frame-scheduler.ts) re-renders the whole screen (blessed diffs the cells, so
 * only what changed reaches the terminal). Sizes are computed from the terminal size
 * on each render, so a resize re-lays out. Only the lines that can show are handed to blessed,
 * and the pane is pinned to its bottom: scrolling is the view model's `scroll`, not blessed's.
 */

import blessed from 'blessed';
import { pastedText } from '../view/input-line.js';
import { formatLine } from '../view/line-format.js';
import { terminalTitle } from '../view/notifications.js';
import { sidebarRooms } from '../view/room-view.js';
import { fitStatus } from '../view/status-bar.js';
import { isSameName, nickColour, sanitize } from '../view/text.js';
import { clipToWidth, displayWidth, inputWindow, wrapSegments } from '../view/text-layout.js';
import { THEMES, type Theme } from '../view/themes.js';
import { sidebarEntry } from '../view/user-list.js';
import type { ViewModel } from '../view/view-model.js';
import type { FormattedLine, KeyName, Line, Segment, Style } from '../view/view-types.js';
import { installBlessedColours } from './blessed-colours.js';
import { drawRowsAsGiven, installBlessedWidths } from './blessed-widths.js';
import { FrameScheduler } from './frame-scheduler.js';
import { KEYS } from './key-map.js';
import { DISABLE_SEQUENCES, ENABLE_SEQUENCES, filterTerminalInput } from './terminal-input.js';

/** What the TUI needs from the app: the view model, the user's input in, the app's news out. */
export interface TuiHost {
  readonly vm: ViewModel;
  readonly hasExited: boolean;
  key(name: KeyName, page?: number): void;
  insert(text: string): void;
  requestQuit(): void;
  onChange(listener: () => void): void;
  onExit(listener: (code: number) => void): void;
  start(): void;
}

/** The user list is as wide as its longest name needs, within these bounds. */
const SIDEBAR_MIN = 14;
const SIDEBAR_MAX = 24;
/** `HH:MM:SS `: continuation rows are indented past it. */
const TIME_WIDTH = 9;
/** Below this width the user list hides, leaving the room to the conversation. */
const SIDEBAR_MIN_SCREEN = 64;

/** The room list takes at most this share of the sidebar; the user list gets the rest. */
const ROOMS_SHARE = 0.5;

function colourOf(style: Style, theme: Theme): string {
  switch (style) {
    case 'time':
    case 'dim':
    case 'pending':
      return theme.dim;
    case 'text':
      return theme.fg;
    case 'own':
    case 'accent':
      return theme.accent;
    case 'nick':
      return theme.fg;
    case 'system':
      return theme.system;
    case 'error':
      return theme.error;
    case 'warning':
      return theme.warning;
    case 'ok':
      return theme.ok;
    case 'private':
      return theme.private;
    case 'action':
      return theme.action;
  }
}

function nickColourOf(name: string, theme: Theme): string {
  return theme.nicks[nickColour(name, theme.nicks.length)];
}

/** One segment as blessed tags; the text is escaped so that `{` in a message stays text. */
function tagged(segment: Segment, theme: Theme): string {
  const colour =
    segment.style === 'nick' && segment.nick
      ? nickColourOf(segment.nick, theme)
      : colourOf(segment.style, theme);
  let text = blessed.escape(segment.text);
  if (segment.bold) text = `{bold}${text}{/bold}`;
  return `{${colour}-fg}${text}{/${colour}-fg}`;
}

/** A line as rows of tagged text, wrapped to `width` with continuation rows indented. */
function taggedRows(line: FormattedLine, theme: Theme, width: number): string[] {
  return wrapSegments(line.segments, width, TIME_WIDTH).map((row) => {
    const body = row.map((s) => tagged(s, theme)).join('');
    return line.highlight ? `{${theme.highlightBg}-bg}${body}{/${theme.highlightBg}-bg}` : body;
  });
}

export interface TuiOptions {
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
}

/** Runs the TUI until the client exits; resolves with the exit status. */
export function runTui(app: TuiHost, options: TuiOptions = {}): Promise<number> {
  // In a UTF-8 locale draw box characters as UTF-8, not with the VT100 alternate character set
  // (ncurses' own switch for this): every UTF-8 terminal shows them, and copies of the screen
  // (tmux capture-pane, screenshots of text) keep them.
  if (
    process.env.NCURSES_NO_UTF8_ACS === undefined &&
    /utf-?8/i.test(`${process.env.LC_ALL}${process.env.LC_CTYPE}${process.env.LANG}`)
  ) {
    process.env.NCURSES_NO_UTF8_ACS = '1';
  }
  installBlessedWidths();
  installBlessedColours();
  const screen = blessed.screen({
    smartCSR: true,
    fullUnicode: true,
    autoPadding: false,
    warnings: false,
    title: 'Parley',
    input: options.input as never,
    output: options.output as never,
  });
  screen.program.hideCursor();
  // blessed 0.1 cannot read the newer 32-bit terminfo format that current ncurses writes for
  // tmux-256color and screen-256color, and falls back to 8 colours; TERM still says 256.
  const tput = (screen.program as unknown as { tput: { colors: number; numbers: Record<string, number> } })
    .tput;
  if (
    tput.colors < 256 &&
    (/256col/.test(process.env.TERM ?? '') || /truecolor|24bit/.test(process.env.COLORTERM ?? ''))
  ) {
    tput.colors = 256;
    tput.numbers.max_colors = 256;
  }

  const box = (opts: blessed.Widgets.BoxOptions) => {
    const made = blessed.box({ parent: screen, tags: true, wrap: false, ...opts });
    drawRowsAsGiven(made); // every row is fitted to its box here (clipToWidth, wrapSegments)
    return made;
  };
  const title = box({ top: 0, left: 0, height: 1 });
  const messages = box({ top: 1, left: 0 });
  const divider = box({ top: 1, width: 1 });
  const sidebar = box({ top: 1 });
  const status = box({ left: 0, height: 1 });
  const input = box({ left: 0, height: 1 });

  const vm = app.vm;
  const frames = new FrameScheduler(render);
  /** The bells rung so far (the view model counts the rings asked for). */
  let rung = vm.state.bells;
  // A paste is one insertion (line breaks become spaces: it is sent only on Enter).
  const restoreInput = filterTerminalInput(
    screen.program.input,
    (text) => app.insert(pastedText(text)),
    (focused) => {
      vm.setFocus(focused);
      frames.request();
    },
  );
  screen.program.output.write(ENABLE_SEQUENCES);

  function layout(): { width: number; height: number; paneHeight: number; sideWidth: number } {
    const width = Math.max(10, screen.width as number);
    const height = Math.max(5, screen.height as number);
    const names = [...vm.state.users, ...vm.rooms.map((r) => `${r.name} 999`)];
    const longest = Math.max(0, ...names.map((u) => displayWidth(sanitize(u))));
    const wanted = Math.min(SIDEBAR_MAX, Math.max(SIDEBAR_MIN, longest + 3));
    const sideWidth = width >= SIDEBAR_MIN_SCREEN ? wanted : 0;
    const paneHeight = height - 3;
    title.width = width;
    messages.width = width - sideWidth - (sideWidth ? 1 : 0);
    messages.height = paneHeight;
    divider.left = width - sideWidth - 1;
    divider.height = paneHeight;
    sidebar.left = width - sideWidth;
    sidebar.width = Math.max(1, sideWidth);
    sidebar.height = paneHeight;
    if (sideWidth) {
      divider.show();
      sidebar.show();
    } else {
      divider.hide();
      sidebar.hide();
    }
    status.top = height - 2;
    status.width = width;
    input.top = height - 1;
    input.width = width;
    return { width, height, paneHeight, sideWidth };
  }

  function render(): void {
    if (app.hasExited) return;
    const theme = THEMES[vm.state.theme];
    const { width, paneHeight, sideWidth } = layout();
    const state = vm.state;
    const viewer = vm.viewer;

    title.style = { bg: theme.barBg, fg: theme.barFg };
    const name = `{bold}{${theme.accent}-fg} Parley{/${theme.accent}-fg}{/bold}`;
    const hint = clipToWidth(
      ` ${sanitize(state.status.server)} · /help for commands · PageUp/PageDown scroll · Ctrl-C quits`,
      width - 8,
    );
    title.setContent(`${name}{${theme.dim}-fg}${blessed.escape(hint)}{/${theme.dim}-fg}`);

    messages.style = { bg: theme.bg, fg: theme.fg };
    const paneWidth = Math.max(10, (messages.width as number) - 1); // one column of air before the divider
    const toRows = (l: Line) => taggedRows(formatLine(l, viewer), theme, paneWidth);
    const end = state.lines.length - state.scroll;
    let rows: string[];
    if (state.scroll > 0 && end <= paneHeight) {
      // Scrolled back to the start: show the first page, top-aligned.
      rows = [];
      for (let i = 0; rows.length < paneHeight && i < state.lines.length; i++)
        rows.push(...toRows(state.lines[i]));
    } else {
      rows = vm.visibleLines(paneHeight).flatMap(toRows).slice(-paneHeight);
    }
    messages.setContent(rows.slice(0, paneHeight).join('\n'));

    if (sideWidth) {
      divider.style = { bg: theme.bg, fg: theme.border };
      divider.setContent(Array(paneHeight).fill('│').join('\n'));
      sidebar.style = { bg: theme.bg, fg: theme.fg };
      const roomRows = roomList(paneHeight, sideWidth, theme);
      const header = `{bold}{${theme.accent}-fg} Users (${state.users.length}){/${theme.accent}-fg}{/bold}`;
      const room = sideWidth - 3;
      const list = vm.userList(Math.max(0, paneHeight - 2 - roomRows.length));
      const more = (text: string) => ` {${theme.dim}-fg}${text}{/${theme.dim}-fg}`;
      const names = list.names.map((u) => {
        const own = isSameName(viewer.rules, u, viewer.me);
        const entry = sidebarEntry(state, u, room + 1);
        const colour = entry.away ? theme.dim : own ? theme.accent : nickColourOf(u, theme);
        const label = blessed.escape(entry.text);
        return own
          ? `{bold}{${colour}-fg}${label}{/${colour}-fg}{/bold}`
          : `{${colour}-fg}${label}{/${colour}-fg}`;
      });
      if (list.above > 0) names.unshift(more(`↑ ${list.above} more`));
      if (list.below > 0) names.push(more(`+${list.below} more`));
      sidebar.setContent([...roomRows, header, '', ...names].join('\n'));
    }

    const wanted = terminalTitle(state, sanitize(state.status.server));
    if (wanted !== screen.title) screen.title = wanted;
    if (state.bells > rung) {
      rung = state.bells;
      screen.program.output.write('\x07');
    }

    status.style = { bg: theme.barBg, fg: theme.barFg };
    const parts = fitStatus(vm.statusSegments(), width);
    let used = 0;
    const pieces: string[] = [];
    for (const part of parts) {
      const text = ` ${part.text} `;
      const room = width - used - (pieces.length ? 1 : 0);
      if (room < 4) break;
      const shownText = clipToWidth(text, room);
      const sep = pieces.length ? `{${theme.border}-fg}│{/${theme.border}-fg}` : '';
      pieces.push(sep + tagged({ ...part, text: shownText }, { ...theme, fg: theme.barFg }));
      used += displayWidth(shownText) + (sep ? 1 : 0);
    }
    status.setContent(pieces.join(''));

    input.style = { bg: theme.bg, fg: theme.fg };
    input.setContent(renderInput(width, theme));
    screen.render();
  }

  /**
   * The room list above the users (7.15): a header, one row per room (the current one in reverse,
   * one with unread lines bold, one with a mention in the highlight colour), then a blank row.
   * Nothing before the first join.
   */
  function roomList(paneHeight: number, sideWidth: number, theme: Theme): string[] {
    const max = Math.floor(paneHeight * ROOMS_SHARE) - 2;
    if (vm.rooms.length === 0 || max < 1) return [];
    const rows = sidebarRooms(vm.state, max, sideWidth - 1).map((r) => {
      const colour = r.mention
        ? theme.error
        : r.unread
          ? theme.warning
          : r.current
            ? theme.accent
            : theme.dim;
      let text = `{${colour}-fg}${blessed.escape(` ${r.text}`)}{/${colour}-fg}`;
      if (r.unread || r.current) text = `{bold}${text}{/bold}`;
      if (r.mention) text = `{${theme.highlightBg}-bg}${text}{/${theme.highlightBg}-bg}`;
      return r.current ? `{inverse}${text}{/inverse}` : text;
    });
    return [`{bold}{${theme.accent}-fg} Rooms{/${theme.accent}-fg}{/bold}`, ...rows, ''];
  }

  function renderInput(width: number, theme: Theme): string {
    const prompt = sanitize(vm.prompt);
    const promptStyle: Style = vm.phase === 'question' ? 'warning' : 'accent';
    const room = Math.max(4, width - displayWidth(prompt) - 1);
    const { left, under, right } = inputWindow(vm.state.input, vm.state.cursor, room);
    const cursorTag = `{inverse}${blessed.escape(under)}{/inverse}`;
    return `${tagged({ text: prompt, style: promptStyle, bold: true }, theme)}${blessed.escape(left)}${cursorTag}${blessed.escape(right)}`;
  }

  screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => {
    const full = key?.full ?? '';
    if (full === 'C-c' || (full === 'C-d' && vm.state.input === '')) {
      app.requestQuit();
      return;
    }
    if (full === 'C-d') {
      app.key('delete');
      return;
    }
    if (full === 'C-l') {
      // Clear the terminal itself too: a cell blessed believes blank may hold a stray character.
      screen.program.clear();
      screen.realloc();
      frames.drawNow();
      return;
    }
    const mapped = KEYS[full];
    const paneHeight = Math.max(1, (screen.height as number) - 3);
    if (mapped) {
      app.key(mapped, paneHeight);
      return;
    }
    if (ch && !key?.ctrl && !key?.meta && !/[\u0000-\u001f\u007f]/.test(ch)) app.insert(ch);
  });

  const paneRows = () => Math.max(1, (screen.height as number) - 3);
  messages.on('wheelup', () => {
    vm.scrollBy(3, paneRows());
    frames.request();
  });
  messages.on('wheeldown', () => {
    vm.scrollBy(-3, paneRows());
    frames.request();
  });
  sidebar.on('wheelup', () => {
    vm.scrollUsers(-3, paneRows() - 2);
    frames.request();
  });
  sidebar.on('wheeldown', () => {
    vm.scrollUsers(3, paneRows() - 2);
    frames.request();
  });
  screen.on('resize', () => frames.request());
  app.onChange(() => frames.request());

  // The retry countdown in the status bar moves once a second while disconnected.
  const ticker = setInterval(() => {
    if (vm.state.status.connection === 'lost') frames.request();
  }, 1000);
  ticker.unref();

  // Whatever goes wrong, give the terminal back before reporting it.
  const crash = (err: unknown) => {
    screen.program.output.write(DISABLE_SEQUENCES);
    screen.destroy();
    process.stderr.write(
      `parley client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  return new Promise((resolve) => {
    app.onExit((code) => {
      clearInterval(ticker);
      frames.stop();
      restoreInput();
      screen.program.output.write(DISABLE_SEQUENCES);
      process.off('uncaughtException', crash);
      process.off('unhandledRejection', crash);
      screen.destroy();
      resolve(code);
    });
    frames.drawNow();
    app.start();
  });
}
