/**
 * The client's colour themes: Nord (the default, as in the original), Pure Black, Dark and Light.
 *
 * How this works: a theme is plain data, a colour per role (timestamps, system notices, errors...)
 * and a palette of nick colours. The view model only names roles and palette indexes; the TUI
 * looks the colours up here, so switching theme is one lookup, never a re-format.
 */

export const THEME_IDS = ['nord', 'pure-black', 'dark', 'light'] as const;
export type ThemeId = (typeof THEME_IDS)[number];

export const DEFAULT_THEME: ThemeId = 'nord';

export interface Theme {
  readonly id: ThemeId;
  readonly label: string;
  readonly bg: string;
  readonly fg: string;
  /** Timestamps, punctuation and other quiet text. */
  readonly dim: string;
  /** The prompt, the own name and the title. */
  readonly accent: string;
  /** Client and server notices (joins, leaves, connection state). */
  readonly system: string;
  readonly error: string;
  readonly warning: string;
  readonly ok: string;
  readonly private: string;
  readonly action: string;
  /** The background of a line that mentions the user. */
  readonly highlightBg: string;
  readonly barBg: string;
  readonly barFg: string;
  readonly border: string;
  /** Nick colours; a name always gets the same one (see nickColour in the view model). */
  readonly nicks: readonly string[];
}

export const THEMES: Readonly<Record<ThemeId, Theme>> = {
  nord: {
    id: 'nord',
    label: 'Nord',
    bg: '#2e3440',
    fg: '#d8dee9',
    dim: '#7b88a1',
    accent: '#88c0d0',
    system: '#81a1c1',
    error: '#bf616a',
    warning: '#ebcb8b',
    ok: '#a3be8c',
    private: '#b48ead',
    action: '#8fbcbb',
    highlightBg: '#434c5e',
    barBg: '#3b4252',
    barFg: '#e5e9f0',
    border: '#4c566a',
    nicks: ['#88c0d0', '#a3be8c', '#ebcb8b', '#d08770', '#b48ead', '#8fbcbb', '#81a1c1', '#e5e9f0'],
  },
  'pure-black': {
    id: 'pure-black',
    label: 'Pure Black',
    bg: '#000000',
    fg: '#e4e4e4',
    dim: '#808080',
    accent: '#5fafff',
    system: '#5f87af',
    error: '#ff5f5f',
    warning: '#ffd75f',
    ok: '#87d75f',
    private: '#d787ff',
    action: '#5fd7d7',
    highlightBg: '#262626',
    barBg: '#1c1c1c',
    barFg: '#e4e4e4',
    border: '#5f5f5f',
    nicks: ['#5fafff', '#87d75f', '#ffd75f', '#ff875f', '#d787ff', '#5fd7d7', '#ff87af', '#d7d7af'],
  },
  dark: {
    id: 'dark',
    label: 'Dark',
    bg: '#1e1e1e',
    fg: '#d4d4d4',
    dim: '#858585',
    accent: '#569cd6',
    system: '#6a9955',
    error: '#f44747',
    warning: '#dcdcaa',
    ok: '#6a9955',
    private: '#c586c0',
    action: '#4ec9b0',
    highlightBg: '#3a3d41',
    barBg: '#333333',
    barFg: '#cccccc',
    border: '#454545',
    nicks: ['#569cd6', '#4ec9b0', '#dcdcaa', '#ce9178', '#c586c0', '#9cdcfe', '#b5cea8', '#d7ba7d'],
  },
  light: {
    id: 'light',
    label: 'Light',
    bg: '#fafafa',
    fg: '#1f2328',
    dim: '#6e7781',
    accent: '#0969da',
    system: '#57606a',
    error: '#cf222e',
    warning: '#9a6700',
    ok: '#1a7f37',
    private: '#8250df',
    action: '#1b7c83',
    highlightBg: '#fff8c5',
    barBg: '#d0d7de',
    barFg: '#1f2328',
    border: '#afb8c1',
    nicks: ['#0969da', '#1a7f37', '#9a6700', '#bc4c00', '#8250df', '#1b7c83', '#bf3989', '#4d2d00'],
  },
};

/** Folds what a user may type (`Pure Black`, `pure_black`, `PURE-BLACK`, `black`) into a theme id. */
export function findTheme(input: string): ThemeId | null {
  const key = input.toLowerCase().replace(/[\s_-]+/g, '');
  for (const id of THEME_IDS) {
    if (id.replace(/-/g, '') === key || THEMES[id].label.toLowerCase().replace(/\s+/g, '') === key) return id;
  }
  if (key === 'black') return 'pure-black';
  if (key === 'nordic') return 'nord';
  return null;
}

export function isThemeId(value: unknown): value is ThemeId {
  return typeof value === 'string' && (THEME_IDS as readonly string[]).includes(value);
}
