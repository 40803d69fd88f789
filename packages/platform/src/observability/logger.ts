// Structured JSON logging (pino); children carry request, event and trace ids.
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Creates the root logger.
 * @example const log = createLogger({ level: 'info', name: 'server' })
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    name: options.name ?? 'millrace',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that drops everything, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
