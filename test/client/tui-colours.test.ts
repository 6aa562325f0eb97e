import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import {
  installBlessedColours,
  nearestPaletteColour,
  paletteRgb,
} from '../../reference-client/tui/blessed-colours.js';
import { THEME_IDS, THEMES } from '../../reference-client/view/themes.js';

describe('theme colours on the 256-colour palette', () => {
  it('maps to the cube and the grey ramp, never to the 16 colours each terminal picks', () => {
    expect(paletteRgb(16)).toEqual([0, 0, 0]);
    expect(paletteRgb(231)).toEqual([255, 255, 255]);
    expect(paletteRgb(244)).toEqual([128, 128, 128]);
    expect(nearestPaletteColour('#808080')).toBe(244);
    expect(nearestPaletteColour('#000000')).toBe(16);
    expect(nearestPaletteColour('#5fafff')).toBe(75);
    expect(nearestPaletteColour('red')).toBe(-1);
  });

  it.each(THEME_IDS)('keeps %s readable: separators unlike the background, nicks unlike timestamps', (id) => {
    const theme = THEMES[id];
    const all = [theme.bg, theme.fg, theme.dim, theme.border, ...theme.nicks].map(nearestPaletteColour);
    for (const c of all) expect(c).toBeGreaterThanOrEqual(16);
    expect(nearestPaletteColour(theme.border)).not.toBe(nearestPaletteColour(theme.bg));
    expect(theme.nicks.map(nearestPaletteColour)).not.toContain(nearestPaletteColour(theme.dim));
    expect(theme.nicks.map(nearestPaletteColour)).not.toContain(nearestPaletteColour(theme.bg));
  });

  it('makes blessed use the same mapping for #rrggbb, and its own for names', () => {
    const colours = (
      blessed as unknown as { colors: { match(c: string): number; convert(c: string): number } }
    ).colors;
    installBlessedColours();
    installBlessedColours();
    expect(colours.match('#808080')).toBe(244);
    expect(colours.match('#444444')).toBe(238);
    expect(colours.convert('#000000')).toBe(16);
    expect(colours.convert('red')).toBe(1);
  });
});
