/**
 * What an entered line does (Enter in the TUI, a line of --plain's stdin): the answer to a
 * question, the name to join with, a slash command, or chat. Functions over the view context;
 * each returns the effects the app carries out.
 *
 * How this works: commands.ts parses the line; `runCommand` has one case per command, so a new
 * command is a table entry in commands.ts and a case here.
 */

import { listedName } from './away-view.js';
import { COMMANDS, HELP_KEYS, type ParsedInput, parseInput } from './commands.js';
import { ignoreCommand, unignoreCommand } from './ignore-list.js';
import { answerQuestion } from './key-questions.js';
import { send, showOutboxAgain } from './outbox.js';
import { roomCommand } from './room-commands.js';
import { roomTarget } from './room-view.js';
import { clearLines, errorLine, systemLine } from './scrollback.js';
import { setConnection } from './status-bar.js';
import { sanitize } from './text.js';
import { findTheme, THEME_IDS, THEMES } from './themes.js';
import type { Effect, Phase, ViewContext } from './view-types.js';

/** The phase the input line is in: a question to answer, a name to choose, or chat. */
export function phaseOf(ctx: ViewContext): Phase {
  if (ctx.state.question) return 'question';
  return ctx.state.desiredName === null ? 'name' : 'chat';
}

/** A whole line, read according to the phase. */
export function submitLine(ctx: ViewContext, text: string): Effect[] {
  const phase = phaseOf(ctx);
  if (phase === 'question') return answerQuestion(ctx, text);
  const parsed = parseInput(text);
  if (phase === 'name' && (parsed.kind === 'say' || parsed.kind === 'msg' || parsed.kind === 'me')) {
    if (parsed.kind !== 'say') {
      errorLine(ctx, undefined, 'choose a name first: type the name you want and press Enter');
      return [];
    }
    return chooseName(ctx, parsed.text.trim());
  }
  return runCommand(ctx, parsed);
}

function runCommand(ctx: ViewContext, parsed: ParsedInput): Effect[] {
  const s = ctx.state;
  switch (parsed.kind) {
    case 'empty':
      return [];
    case 'say':
    case 'me':
      return send(ctx, { ...parsed, ...roomTarget(s) });
    case 'msg':
      return send(ctx, parsed);
    case 'join':
    case 'part':
    case 'room':
    case 'rooms':
    case 'topic':
      return roomCommand(ctx, parsed);
    case 'help':
      showHelp(ctx);
      return [];
    case 'export':
      if (s.status.connection !== 'joined') {
        errorLine(ctx, undefined, '/export needs a connection: nothing was requested');
        return [];
      }
      s.exportsPending++;
      systemLine(ctx, 'asking the server for the conversation…');
      return [{ kind: 'export', ...roomTarget(s) }];
    case 'theme':
      return themeCommand(ctx, parsed.name);
    case 'nick':
      return nickCommand(ctx, parsed.name);
    case 'reply':
      if (s.lastPrivateFrom === null) {
        errorLine(ctx, undefined, '/reply: no private message to answer yet (use /msg NAME TEXT)');
        return [];
      }
      return send(ctx, { kind: 'msg', to: s.lastPrivateFrom, text: parsed.text });
    case 'whois':
      if (s.status.connection !== 'joined') {
        errorLine(ctx, undefined, '/whois needs a connection: nothing was sent');
        return [];
      }
      return [{ kind: 'whois', name: parsed.name }];
    case 'away':
    case 'back': {
      if (s.status.connection !== 'joined') {
        errorLine(ctx, undefined, `/${parsed.kind} needs a connection: nothing was sent`);
        return [];
      }
      const reason = parsed.kind === 'away' ? parsed.reason : undefined;
      return [{ kind: 'away', away: parsed.kind === 'away', ...(reason ? { reason } : {}) }];
    }
    case 'ignore':
      return ignoreCommand(ctx, parsed.name, parsed.all ? 'all' : 'chat');
    case 'unignore':
      return unignoreCommand(ctx, parsed.name);
    case 'users':
      return showUsers(ctx);
    case 'bell':
      if (parsed.on === undefined) {
        systemLine(ctx, `bell: ${s.bell ? 'on' : 'off'} for private messages and mentions; /bell on|off`);
        return [];
      }
      s.bell = parsed.on;
      systemLine(ctx, `bell: ${s.bell ? 'on' : 'off'} for private messages and mentions`);
      return [{ kind: 'save-bell', bell: s.bell }];
    case 'clear':
      clearLines(s);
      showOutboxAgain(ctx);
      return [];
    case 'quit':
      setConnection(s, 'closed');
      return [{ kind: 'quit' }];
    case 'reconnect':
      if (s.status.connection === 'joined') systemLine(ctx, 'reconnecting…');
      return [{ kind: 'reconnect' }];
    case 'server':
      return [{ kind: 'server', host: parsed.host, port: parsed.port }];
    case 'usage':
      errorLine(ctx, undefined, `usage: ${parsed.usage}`);
      return [];
    case 'unknown': {
      const hint = parsed.suggestion ? `did you mean /${parsed.suggestion}? ` : '';
      errorLine(
        ctx,
        undefined,
        `unknown command /${parsed.command}: ${hint}/help lists the commands; start a line with // to send text beginning with /`,
      );
      return [];
    }
  }
}

function chooseName(ctx: ViewContext, name: string): Effect[] {
  const s = ctx.state;
  if (name === '') return [];
  s.desiredName = name;
  const connection = s.status.connection;
  if (connection === 'connected') {
    setConnection(s, 'joining');
    return [{ kind: 'join', name }];
  }
  if (connection === 'idle') {
    systemLine(ctx, `will join as ${name}: connecting…`);
    return [{ kind: 'reconnect' }];
  }
  systemLine(ctx, `will join as ${name} once connected`);
  return [];
}

/** /nick: a rename once joined (7.11); before that, the name the next join asks for. */
function nickCommand(ctx: ViewContext, name: string): Effect[] {
  const s = ctx.state;
  if (s.status.connection === 'joined') return [{ kind: 'nick', name }];
  if (phaseOf(ctx) === 'name') return chooseName(ctx, name);
  s.desiredName = name;
  systemLine(ctx, `will join as ${sanitize(name)}`);
  return [];
}

function showHelp(ctx: ViewContext): void {
  systemLine(ctx, 'Commands:');
  for (const c of COMMANDS) systemLine(ctx, `  ${`/${c.name} ${c.args}`.padEnd(16)} ${c.help}`);
  systemLine(ctx, 'Start a line with // to send text that begins with /.');
  for (const line of HELP_KEYS) systemLine(ctx, line);
}

function showUsers(ctx: ViewContext): Effect[] {
  const { users, status, away } = ctx.state;
  if (status.connection !== 'joined') {
    systemLine(ctx, 'not in the room: no user list');
    return [];
  }
  systemLine(
    ctx,
    `${users.length} ${users.length === 1 ? 'user' : 'users'}: ${users.map((u) => listedName(away, u)).join(', ')}`,
  );
  return status.resolved === 'v2' ? [{ kind: 'who', ...roomTarget(ctx.state) }] : [];
}

function themeCommand(ctx: ViewContext, name: string | undefined): Effect[] {
  const s = ctx.state;
  if (name === undefined) {
    const list = THEME_IDS.map((id) => `${THEMES[id].label}${id === s.theme ? ' (current)' : ''}`);
    systemLine(ctx, `themes: ${list.join(', ')}; /theme NAME to switch`);
    return [];
  }
  const id = findTheme(name);
  if (!id) {
    errorLine(
      ctx,
      undefined,
      `no theme "${sanitize(name)}": try ${THEME_IDS.map((t) => THEMES[t].label).join(', ')}`,
    );
    return [];
  }
  s.theme = id;
  systemLine(ctx, `theme: ${THEMES[id].label}`);
  return [{ kind: 'save-theme', theme: id }];
}
