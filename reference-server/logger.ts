/** A small levelled logger for the server: one line per event on stderr, with an ISO time. */
import { LOG_LEVELS, type LogLevel } from '../src/generated/constants.js';

export interface Logger {
  readonly level: LogLevel;
  log(level: LogLevel, message: string): void;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  return {
    level,
    log(at, message) {
      if (LOG_LEVELS.indexOf(at) > threshold) return;
      write(`${new Date().toISOString()} ${at.toUpperCase().padEnd(5)} ${message}\n`);
    },
  };
}
