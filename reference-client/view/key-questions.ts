/**
 * The questions about the server's key (5.6), asked in the input line as SSH does: a first key
 * (`trust this server?`) and a changed one (`accept new key?`). Functions over the view context;
 * the answer becomes an `answer-key` effect for the app.
 */

import { errorLine, systemLine, warningLine } from './scrollback.js';
import { setConnection } from './status-bar.js';
import type { Effect, KeyQuestion, ViewContext } from './view-types.js';

/** The prompt while a question waits for its answer. */
export function questionPrompt(ctx: ViewContext): string {
  return ctx.state.question?.kind === 'trust-key' ? 'trust this server? [y/N] ' : 'accept new key? [y/N] ';
}

/** A v2 server presents a different key from the recorded one: ask before going on (5.6). */
export function askAcceptKey(ctx: ViewContext, known: string, presented: string): void {
  const s = ctx.state;
  pose(ctx, { kind: 'accept-key', server: s.status.server, known, presented });
  errorLine(
    ctx,
    'FINGERPRINT_MISMATCH',
    `the server key for ${s.status.server} has CHANGED since the last connection`,
  );
  warningLine(ctx, `known key:     ${known}`);
  warningLine(ctx, `presented key: ${presented}`);
  warningLine(
    ctx,
    "someone may be intercepting the connection, or the server's key was replaced. Check with its operator.",
  );
  awaitAnswer(ctx, 'accept the new key and continue? Type y to accept, anything else to refuse.');
}

/** First contact with a v2 server (5.6): show its key and ask, as SSH does, before anything is sent. */
export function askTrustKey(ctx: ViewContext, presented: string): void {
  const s = ctx.state;
  pose(ctx, { kind: 'trust-key', server: s.status.server, presented });
  warningLine(ctx, `first connection to ${s.status.server}: its key is not in known_servers yet`);
  systemLine(ctx, `server key ${presented}`);
  systemLine(
    ctx,
    "compare it with the fingerprint the server's operator gives you (the server prints it when it starts)",
  );
  awaitAnswer(ctx, 'trust this server and record its key? Type y to trust, anything else to refuse.');
}

/** Puts `question` to the user: the connection is held (shown refused) until it is answered (5.6). */
function pose(ctx: ViewContext, question: KeyQuestion): void {
  ctx.state.question = question;
  setConnection(ctx.state, 'refused');
}

/** Ends a question with what to type (`prompt`), the input line emptied for the answer. */
function awaitAnswer(ctx: ViewContext, prompt: string): void {
  warningLine(ctx, prompt);
  ctx.state.input = '';
  ctx.state.cursor = 0;
}

/** The line typed while a question waits: y or yes accepts, anything else refuses. */
export function answerQuestion(ctx: ViewContext, text: string): Effect[] {
  const s = ctx.state;
  const accept = /^\s*(y|yes)\s*$/i.test(text);
  const first = s.question?.kind === 'trust-key';
  s.question = null;
  if (first) {
    if (!accept) {
      setConnection(s, 'refused');
      errorLine(
        ctx,
        undefined,
        'server not trusted: not connected (/reconnect to ask again, /server to change)',
      );
    }
    return [{ kind: 'answer-key', accept }];
  }
  if (accept) {
    warningLine(ctx, 'new server key accepted');
  } else {
    setConnection(s, 'refused');
    errorLine(
      ctx,
      'FINGERPRINT_MISMATCH',
      'the new key was not accepted: not connected (/reconnect to ask again)',
    );
  }
  return [{ kind: 'answer-key', accept }];
}
