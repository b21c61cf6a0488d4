/**
 * Decoding JSON that a request, an agent or a container's output sent. JSON.parse makes every
 * key an own property (so `__proto__` is data, not the prototype), but code that then looks a
 * key up with `obj[key]` still reaches Object.prototype: `own` is the lookup to use, and
 * `MAX_JSON_DEPTH` bounds nesting before anything recursive walks the value.
 */
export const MAX_JSON_DEPTH = 100;

export class JsonDepthError extends Error {
  constructor(readonly limit: number) {
    super(`JSON nesting is deeper than ${limit} levels`);
  }
}

/** The deepest nesting of arrays and objects in a JSON text, found in one pass without parsing. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** JSON.parse with a nesting bound; throws SyntaxError or JsonDepthError. */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(text, maxDepth)) throw new JsonDepthError(maxDepth);
  return JSON.parse(text);
}

/** `obj[key]` for an own property only: a key like `toString` or `__proto__` finds nothing inherited. */
export function own<T>(obj: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Keys no decoded object may carry, since assigning them with `obj[k] = v` changes its shape. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Makes every object of a parsed model prototype-less, so a name from a request (an operation,
 * a shape, a member) can be looked up with `obj[name]` and finds only what the model defines.
 */
export function withoutPrototypes<T>(value: T): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withoutPrototypes(value[i]);
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) out[k] = withoutPrototypes(v);
  return out as T;
}

/** `obj[key] = value` that defines an own property, so a key named `__proto__` stays a key. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
