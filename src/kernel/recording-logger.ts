import type { Logger } from './logger.js';

/** A logger that keeps each error line (message, then fields as JSON) and drops the rest: for tests. */
export function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const logger: Logger & { errors: string[] } = {
    errors,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (o, msg) => errors.push(`${msg ?? ''} ${JSON.stringify(o)}`),
    child: () => logger,
  };
  return logger;
}
