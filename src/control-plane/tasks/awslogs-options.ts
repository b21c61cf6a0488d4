import { compileLinear } from '../../kernel/index.js';

/**
 * The awslogs driver's options, checked as Docker checks them when it creates a container (ECS
 * reports a failure as CannotCreateContainerError, in Docker's words). `awslogs-stream-prefix` is
 * the ECS agent's own; `mode` and `max-buffer-size` are the options every driver takes.
 */
const KNOWN = new Set([
  'tag',
  'mode',
  'max-buffer-size',
  'awslogs-group',
  'awslogs-stream',
  'awslogs-stream-prefix',
  'awslogs-create-group',
  'awslogs-create-stream',
  'awslogs-region',
  'awslogs-endpoint',
  'awslogs-datetime-format',
  'awslogs-multiline-pattern',
  'awslogs-credentials-endpoint',
  'awslogs-force-flush-interval-seconds',
  'awslogs-max-buffered-events',
  'awslogs-format',
]);

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool, which Docker applies to boolean options. */
export function parseBool(v: string): boolean | undefined {
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

/** What is wrong with a container's awslogs options, or undefined. */
export function awslogsOptionsError(o: Record<string, string>): string | undefined {
  const mode = o['mode'];
  if (mode !== undefined && mode !== '' && mode !== 'blocking' && mode !== 'non-blocking')
    return `logger: logging mode not supported: ${mode}`;
  const size = o['max-buffer-size'];
  if (size !== undefined) {
    if (mode !== 'non-blocking') return "logger: max-buffer-size option is only supported with 'mode=non-blocking'";
    if (!/^\d+(\.\d+)* ?[kKmMgGtTpP]?[iI]?[bB]?$/.test(size))
      return `error parsing option max-buffer-size: invalid size: '${size}'`;
  }
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) return `unknown log opt '${key}' for awslogs log driver`;
  if (!o['awslogs-group']) return "must specify a value for log opt 'awslogs-group'";
  for (const key of ['awslogs-create-group', 'awslogs-create-stream']) {
    const v = o[key];
    if (v && parseBool(v) === undefined)
      return `must specify valid value for log opt '${key}': strconv.ParseBool: parsing "${v}": invalid syntax`;
  }
  for (const key of ['awslogs-force-flush-interval-seconds', 'awslogs-max-buffered-events']) {
    const v = o[key];
    if (v && !(/^[+-]?\d+$/.test(v) && Number(v) > 0))
      return `must specify a positive integer for log opt '${key}': ${v}`;
  }
  if ('awslogs-datetime-format' in o && 'awslogs-multiline-pattern' in o)
    return "you cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern' at the same time";
  const pattern = o['awslogs-multiline-pattern'];
  if (pattern) {
    try {
      compileLinear(pattern);
    } catch (e) {
      return `awslogs could not parse multiline pattern key: ${(e as Error).message}`;
    }
  }
  const format = o['awslogs-format'];
  if (format && format !== 'json/emf') return `unsupported log format '${format}'`;
  return undefined;
}

type Def = { name: string; logConfiguration?: { logDriver?: string; options?: Record<string, string> } };

/** The first container whose awslogs options Docker would refuse, and why. */
export function logConfigurationError(containers: readonly unknown[]): string | undefined {
  for (const c of containers as Def[]) {
    if (c.logConfiguration?.logDriver !== 'awslogs') continue;
    const why = awslogsOptionsError(c.logConfiguration.options ?? {});
    if (why) return why;
  }
  return undefined;
}
