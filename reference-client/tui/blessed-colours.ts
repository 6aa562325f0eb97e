/**
 * Theme colours as xterm 256-colour palette entries that look the same on every terminal.
 *
 * Why: blessed 0.1 matches a `#rrggbb` colour against all 256 palette entries, the first 16
 * included; those 16 are the terminal's "system" colours, whose real RGB each terminal (and each
 * user's terminal theme) picks. So Pure Black's grey timestamps (#808080) came out as palette 3,
 * which terminals draw yellow like some nicks, and its dark grey separators (#444444) as palette 0,
 * black on black. Here a colour goes to the nearest entry of the 6x6x6 cube or the grey ramp
 * (16-255), which xterm-compatible terminals define identically.
 */

import blessed from 'blessed';

/** The RGB of palette entry `i` (16-255): the 6x6x6 cube, then 24 greys. */
export function paletteRgb(i: number): [number, number, number] {
  if (i >= 232) {
    const v = 8 + (i - 232) * 10;
    return [v, v, v];
  }
  const level = (n: number) => (n === 0 ? 0 : 55 + n * 40);
  const c = i - 16;
  return [level(Math.floor(c / 36)), level(Math.floor(c / 6) % 6), level(c % 6)];
}

const cache = new Map<string, number>();

/** The palette entry (16-255) nearest to `#rrggbb`, or -1 when it is not such a colour. */
export function nearestPaletteColour(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return -1;
  const known = cache.get(hex);
  if (known !== undefined) return known;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => Number.parseInt(h, 16));
  let best = 16;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let i = 16; i < 256; i++) {
    const [pr, pg, pb] = paletteRgb(i);
    const distance = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  cache.set(hex, best);
  return best;
}

interface BlessedColours {
  match(colour: unknown, g?: number, b?: number): number;
}

let installed = false;

/** Makes blessed map `#rrggbb` colours with nearestPaletteColour (idempotent). */
export function installBlessedColours(): void {
  if (installed) return;
  installed = true;
  const colours = (blessed as unknown as { colors: BlessedColours }).colors;
  const original = colours.match.bind(colours);
  colours.match = (colour, g, b) => {
    if (typeof colour === 'string' && colour.startsWith('#')) {
      const found = nearestPaletteColour(colour);
      if (found >= 0) return found;
    }
    return original(colour, g, b);
  };
}
