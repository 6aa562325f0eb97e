/**
 * A small levelled logger for the server: one line per event on stderr, with an ISO time, as text
 * or as JSON lines (`--log-format json`). Every line goes through logLine here, the one place that
 * makes sure no client-chosen byte can end a line, forge another or drive the operator's terminal.
 */
import { LOG_LEVELS, type LogLevel } from '../src/generated/constants.js';
import { logLine } from '../src/text/untrusted-text.js';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Logger {
  readonly level: LogLevel;
  log(level: LogLevel, message: string): void;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
  format: LogFormat = 'text',
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  return {
    level,
    log(at, message) {
      if (LOG_LEVELS.indexOf(at) > threshold) return;
      const time = new Date().toISOString();
      const text = logLine(message);
      write(
        format === 'json'
          ? `${JSON.stringify({ time, level: at, message: text })}\n`
          : `${time} ${at.toUpperCase().padEnd(5)} ${text}\n`,
      );
    },
  };
}
