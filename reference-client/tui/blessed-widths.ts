/**
 * Makes blessed measure characters as the rest of the client does (view/text-layout.ts charWidth,
 * from Unicode's East Asian Width data), so that what blessed lays out is what the terminal draws.
 *
 * Why: blessed 0.1 has its own tables, written before most emoji existed. It counts U+1F680-1F6FF
 * (transport symbols) and others as one column, which the terminal draws in two, so a row shifts
 * right and cells keep stale characters after the screen scrolls; for other emoji it counts two
 * columns but leaves no cell for the second one, so it swallows the next character. blessed works
 * out widths in three places of its `unicode` module, all replaced here, once per process:
 * - `charWidth`: when drawing, a 2-column cell skips the cell after it;
 * - `chars.all`: the wide characters after which parsing inserts that filler cell (replaced by an
 *   object that String.prototype.replace calls through Symbol.replace, so every wide character by
 *   our measure gets its filler);
 * - `combining`: the code points that join the cell before (zero width by our measure).
 * And one more, per box (`drawRowsAsGiven`): blessed cuts a row that is "too long" by counting
 * UTF-16 code units, so a character outside the BMP (most emoji: two units and a filler cell for
 * two columns) counts one column too many, and a row with k of them lost its last k columns (an
 * emoji at the end vanished, or was cut in half and drawn as U+FFFD). The client lays out every row
 * itself (text-layout.ts), never wider than its box, so the boxes skip that cut.
 */

import blessed from 'blessed';
import { charWidth } from '../view/text-layout.js';

interface BlessedUnicode {
  charWidth(text: string | number, index?: number): number;
  combining: Record<number, boolean>;
  chars: { all: unknown };
}

type Replacement = string | ((match: string, ...rest: unknown[]) => string);

/** Every character `charWidth` counts as two columns, as String.prototype.replace sees a RegExp. */
const WIDE_CHARACTERS = {
  [Symbol.replace](text: string, replacement: Replacement): string {
    let out = '';
    for (const ch of text) {
      if (charWidth(ch.codePointAt(0)!) !== 2) out += ch;
      else if (typeof replacement === 'function') out += replacement(ch, ch);
      else out += replacement.replace(/\$[1&]/g, ch);
    }
    return out;
  },
};

/** Zero-width code points (above the controls), looked up as blessed's `combining` table is. */
const ZERO_WIDTH = new Proxy({} as Record<number, boolean>, {
  get: (_target, key) => {
    const cp = typeof key === 'string' ? Number(key) : Number.NaN;
    return Number.isInteger(cp) && cp >= 0x300 && charWidth(cp) === 0;
  },
});

let installed = false;

/** Puts the client's width rule into blessed (idempotent). */
export function installBlessedWidths(): void {
  if (installed) return;
  installed = true;
  const unicode = (blessed as unknown as { unicode: BlessedUnicode }).unicode;
  const tabWidth = unicode.charWidth.bind(unicode);
  unicode.charWidth = (text, index = 0) => {
    const cp = typeof text === 'number' ? text : text.codePointAt(index);
    if (cp === undefined) return 1;
    if (cp === 0x09) return tabWidth(cp); // the screen's tab size, which blessed knows
    return charWidth(cp);
  };
  unicode.combining = ZERO_WIDTH;
  unicode.chars.all = WIDE_CHARACTERS;
}

interface WrapsContent {
  _wrapContent(content: string, width: number): unknown;
}

/**
 * Makes `element` draw its rows as given, without blessed's own cut at the box width (see the top
 * of this file). Only for boxes whose every row the client has fitted to the width already.
 */
export function drawRowsAsGiven(element: blessed.Widgets.BlessedElement): void {
  const box = element as unknown as WrapsContent;
  const wrap = box._wrapContent.bind(box);
  // Each column holds at most two code units and a filler cell: three times the width never cuts.
  box._wrapContent = (content, width) => wrap(content, width * 3);
}
