/** A small structured logger: JSON lines on stderr, pino-compatible enough to hand to fastify. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: object): Logger;
}

export function createLogger(
  level: LogLevel = 'info',
  bindings: object = {},
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Logger {
  const emit = (lvl: LogLevel, obj: object | string, msg?: string) => {
    if (order[lvl] < order[level]) return;
    const fields = typeof obj === 'string' ? { msg: obj } : { ...obj, ...(msg !== undefined ? { msg } : {}) };
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, ...bindings, ...fields }));
  };
  return {
    debug: (o, m) => emit('debug', o, m),
    info: (o, m) => emit('info', o, m),
    warn: (o, m) => emit('warn', o, m),
    error: (o, m) => emit('error', o, m),
    child: (b) => createLogger(level, { ...bindings, ...b }, write),
  };
}
