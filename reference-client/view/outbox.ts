/**
 * The outbox: chat typed while not joined. Each queued item shows as a pending line, so nothing
 * typed is dropped silently, and is handed back as effects once the server accepts the name.
 * A line that did not go out after all (refused by the server, or too long) comes back to the
 * input line (`lineRefused`), for the same reason.
 */

import type { UnsentLine } from '../../src/client/index.js';
import { addLine, errorLine, removeLine } from './scrollback.js';
import { sanitize } from './text.js';
import type { Effect, Line, Outgoing, ViewContext } from './view-types.js';

/** What legacy servers cannot carry: private messages and actions. */
export function legacyCannotSend(ctx: ViewContext, item: Outgoing): boolean {
  return item.kind !== 'say' && ctx.state.status.resolved === 'legacy';
}

/** Says that a legacy server has no such thing and that nothing was sent. */
export function unsupported(ctx: ViewContext, item: Outgoing): void {
  const what = item.kind === 'msg' ? 'private messages' : 'actions (/me)';
  errorLine(ctx, undefined, `legacy servers have no ${what}: nothing was sent (“${sanitize(item.text)}”)`);
}

function pendingLine(ctx: ViewContext, item: Outgoing): Line {
  const s = ctx.state;
  const from = s.me ?? s.desiredName ?? '';
  const text = item.kind === 'me' ? `* ${from} ${item.text}` : item.text;
  return addLine(
    ctx,
    item.kind === 'msg' ? { kind: 'pending', from, to: item.to, text } : { kind: 'pending', from, text },
  );
}

/** Chat from the user: sent when joined, queued (and shown pending) otherwise. */
export function send(ctx: ViewContext, item: Outgoing): Effect[] {
  const s = ctx.state;
  if (legacyCannotSend(ctx, item)) {
    unsupported(ctx, item);
    return [];
  }
  if (s.status.connection === 'joined') return [item];
  s.outbox.push({ item, lineId: pendingLine(ctx, item).id });
  if (s.status.connection === 'idle') return [{ kind: 'reconnect' }];
  return [];
}

/** After /clear: the queued items show again as pending lines. */
export function showOutboxAgain(ctx: ViewContext): void {
  for (const queued of ctx.state.outbox) queued.lineId = pendingLine(ctx, queued.item).id;
}

/** Joined: empties the outbox into effects, removing the pending lines. */
export function flushOutbox(ctx: ViewContext): Effect[] {
  const s = ctx.state;
  const effects: Effect[] = [];
  const queued = s.outbox;
  s.outbox = [];
  for (const { item, lineId } of queued) {
    removeLine(s, lineId);
    if (legacyCannotSend(ctx, item)) unsupported(ctx, item);
    else effects.push(item);
  }
  return effects;
}

/**
 * A chat line was not sent (refused by the server, or too long to send): say so with its text,
 * and give it back in the input line when that is empty (else in the history, for Up).
 */
export function lineRefused(
  ctx: ViewContext,
  code: string | undefined,
  reason: string,
  item: UnsentLine,
): void {
  const s = ctx.state;
  const typed =
    item.kind === 'me'
      ? `/me ${item.text}`
      : item.kind === 'msg'
        ? `/msg ${item.to} ${item.text}`
        : item.text;
  const back = s.input === '' ? 'back in the input line: Enter sends it again' : 'Up recalls it';
  errorLine(ctx, code, `${sanitize(reason)} (not sent: “${sanitize(item.text)}”; ${back})`);
  if (s.input === '') {
    s.input = typed;
    s.cursor = typed.length;
  } else if (s.history.at(-1) !== typed) {
    s.history.push(typed);
  }
}
