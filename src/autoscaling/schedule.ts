import { invalidParameter, notImplemented } from '../kernel/index.js';

/** A scheduled action's `Schedule`, parsed: once at a local time, every so often, or by cron. */
export type Schedule =
  { kind: 'at'; local: number } | { kind: 'rate'; everyMs: number } | { kind: 'cron'; fields: Set<number>[] };

const bad = (message: string) => invalidParameter(message, { field: 'Schedule' });

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
// Minutes, hours, day of month, month, day of week (1 = Sunday), year.
const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [1, 7],
  [1970, 2199],
];

/** One cron field: `*`, `?`, values, ranges, lists and steps (`L`, `W` and `#` are not served). */
function cronField(text: string, i: number): Set<number> {
  const [lo, hi] = RANGES[i] as [number, number];
  const names = i === 3 ? MONTHS : i === 4 ? DAYS : [];
  const value = (v: string) => {
    const named = names.indexOf(v.toUpperCase());
    const n = named >= 0 ? named + 1 : /^\d{1,4}$/.test(v) ? Number(v) : NaN;
    if (!(n >= lo && n <= hi)) throw bad(`'${v}' is not a valid value in cron field ${i + 1}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    if (/[LW#]/i.test(part) && !/^[A-Z]{3}$/i.test(part))
      throw notImplemented(`cron field values with L, W or # ('${part}')`);
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw bad(`'${part}' has an invalid step`);
    let from = lo;
    let to = hi;
    if (range !== '*' && range !== '?') {
      const [a = '', b] = range.split('-');
      from = value(a);
      to = b === undefined ? (stepText === undefined ? from : hi) : value(b);
      if (to < from) throw bad(`'${part}' is an empty range`);
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

/** Parses `at(yyyy-mm-ddThh:mm:ss)`, `rate(n unit)` or `cron(m h dom mon dow year)`, refusing anything else. */
export function parseSchedule(text: string): Schedule {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at) {
    const [y, mo, d, h, mi, s] = at.slice(1).map(Number) as number[];
    const local = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
    if (new Date(local).getUTCDate() !== d) throw bad(`'${text}' is not a valid date`);
    return { kind: 'at', local };
  }
  const rate = /^rate\((\d{1,6}) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const n = Number(rate[1]);
    const unit = (rate[2] as string).replace(/s$/, '');
    if (n < 1) throw bad('A rate must be a positive number');
    if ((n === 1) !== !(rate[2] as string).endsWith('s'))
      throw bad(`Use '${unit}' for a rate of 1 and '${unit}s' for more`);
    return { kind: 'rate', everyMs: n * (UNITS[unit] as number) };
  }
  const cron = /^cron\(([^()]{1,200})\)$/.exec(text);
  if (cron) {
    const parts = (cron[1] as string).trim().split(/\s+/);
    if (parts.length !== 6)
      throw bad('A cron expression has six fields: minutes hours day-of-month month day-of-week year');
    if (parts[2] !== '?' && parts[4] !== '?')
      throw bad('A cron expression gives either a day of the month or a day of the week: the other is ?');
    return { kind: 'cron', fields: parts.map((p, i) => cronField(p, i)) };
  }
  throw bad(`'${text}' is not an at(), rate() or cron() expression`);
}

/** The wall-clock fields of an instant in a time zone (Intl's zone data). */
function wallClock(ms: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'short',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: DAYS.indexOf(get('weekday').toUpperCase()) + 1,
  };
}

/** Throws unless Intl knows the zone. */
export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw invalidParameter(`'${timeZone}' is not a valid time zone`, { field: 'Timezone' });
  }
}

/** The instant a local time (ms as if UTC) is in a zone. */
export function zonedInstant(local: number, timeZone: string): number {
  let guess = local;
  for (let i = 0; i < 2; i++) {
    const w = wallClock(guess, timeZone);
    const shown = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    guess += local - shown;
  }
  return guess;
}

/** Whether a cron schedule names the minute an instant falls in, in a zone. */
export function cronMatches(fields: readonly Set<number>[], ms: number, timeZone: string): boolean {
  const w = wallClock(ms, timeZone);
  const [mi, h, dom, mon, dow, y] = fields as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  return mi.has(w.minute) && h.has(w.hour) && dom.has(w.day) && mon.has(w.month) && dow.has(w.weekday) && y.has(w.year);
}
