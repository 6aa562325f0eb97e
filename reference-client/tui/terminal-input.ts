/**
 * Terminal input that blessed does not understand: bracketed paste (a paste arrives between
 * ESC [200~ and ESC [201~) and focus reports (ESC [I when the terminal window gains focus, ESC [O
 * when it loses it). Both are taken out of the input before blessed reads it.
 *
 * Why: blessed turns a paste into one key event per character, so a long paste took seconds to
 * show and delayed the next Enter; taken whole, it is one insertion. Focus tells the client when
 * the user is away, for the unread count and the bell.
 *
 * How this works: `TerminalInputFilter.feed` splits each chunk into ordered pieces (keys for
 * blessed, a paste, a focus change). Outside a paste, sequences are taken as whole within a chunk
 * (terminals send them in one write); inside a paste, the end marker may straddle two chunks, so
 * a possible start of it is held back. `filterTerminalInput` applies the filter to a stream by
 * wrapping its `emit`, the one point every `data` listener (blessed's among them) is reached from.
 */

import { StringDecoder } from 'node:string_decoder';

export type InputPiece =
  | { readonly kind: 'keys'; readonly text: string }
  | { readonly kind: 'paste'; readonly text: string }
  | { readonly kind: 'focus'; readonly focused: boolean };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
const OUTSIDE = /\x1b\[200~|\x1b\[I|\x1b\[O/;

/** Turns on bracketed paste and focus reports (xterm private modes 2004 and 1004). */
export const ENABLE_SEQUENCES = '\x1b[?2004h\x1b[?1004h';
export const DISABLE_SEQUENCES = '\x1b[?2004l\x1b[?1004l';

export class TerminalInputFilter {
  /** The paste under way, or null outside one. */
  private paste: string | null = null;

  feed(chunk: string): InputPiece[] {
    const pieces: InputPiece[] = [];
    let rest = chunk;
    while (rest !== '') {
      if (this.paste !== null) {
        const end = (this.paste + rest).indexOf(PASTE_END);
        if (end < 0) {
          this.paste += rest;
          break;
        }
        const whole = this.paste + rest;
        pieces.push({ kind: 'paste', text: whole.slice(0, end) });
        rest = whole.slice(end + PASTE_END.length);
        this.paste = null;
        continue;
      }
      const match = OUTSIDE.exec(rest);
      if (!match) {
        pieces.push({ kind: 'keys', text: rest });
        break;
      }
      if (match.index > 0) pieces.push({ kind: 'keys', text: rest.slice(0, match.index) });
      rest = rest.slice(match.index + match[0].length);
      if (match[0] === PASTE_START) this.paste = '';
      else pieces.push({ kind: 'focus', focused: match[0] === '\x1b[I' });
    }
    return pieces;
  }
}

/**
 * Takes pastes and focus reports out of `input` before its other `data` listeners see it; keys
 * go on to them unchanged. Returns a function that undoes it.
 */
export function filterTerminalInput(
  input: NodeJS.ReadableStream,
  onPaste: (text: string) => void,
  onFocus: (focused: boolean) => void,
): () => void {
  const filter = new TerminalInputFilter();
  const decoder = new StringDecoder('utf8');
  const stream = input as NodeJS.ReadableStream & {
    emit: (event: string | symbol, ...args: unknown[]) => boolean;
  };
  const emit = stream.emit;
  stream.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'data') return emit.call(this, event, ...args);
    const data = args[0];
    const text = typeof data === 'string' ? data : decoder.write(data as Buffer);
    for (const piece of filter.feed(text)) {
      if (piece.kind === 'keys') emit.call(this, 'data', Buffer.from(piece.text, 'utf8'));
      else if (piece.kind === 'paste') onPaste(piece.text);
      else onFocus(piece.focused);
    }
    return true;
  };
  return () => {
    stream.emit = emit;
  };
}
