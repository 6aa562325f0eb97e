// Shared text helpers: the line width of the generated files, word wrapping and identifier casing.

export const WIDTH = 110;

/** Splits text into lines of at most `width` characters (longer words stay whole). */
export function wrap(text, width, { safeStart = () => true } = {}) {
  // Split on single spaces so that runs of spaces (e.g. inside a code span) survive.
  const words = text.trim().split(' ');
  const lines = [];
  let line = '';
  for (const word of words) {
    if (line && word && line.length + 1 + word.length > width && safeStart(word)) {
      lines.push(line);
      line = word;
    } else {
      line = lines.length === 0 && line === '' ? word : `${line} ${word}`;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export const camel = (snake) => snake.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
export const pascal = (snake) => camel(snake).replace(/^./, (c) => c.toUpperCase());
