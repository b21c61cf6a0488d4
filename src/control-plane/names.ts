import { invalidParameter } from '../kernel/index.js';

/** ECS's rule for cluster, service, family and container names: up to 255 letters, digits, `-` and `_`. */
const ECS_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/** A name as an error message may show it: bounded, control and bidi characters escaped. */
export function shown(v: string): string {
  const cut = v.length > 64 ? `${v.slice(0, 64)}…` : v;
  return JSON.stringify(cut)
    .slice(1, -1)
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Refuses a name ECS would refuse, in ECS's words ("Cluster must match …, but was …"). */
export function checkEcsName(
  value: string,
  what: 'Cluster' | 'Service' | 'Family' | 'Container',
  field: string,
): string {
  if (!ECS_NAME.test(value)) {
    throw invalidParameter(`${what} name must match ^[a-zA-Z0-9\\-_]{1,255}$, but was '${shown(value)}'`, { field });
  }
  return value;
}
