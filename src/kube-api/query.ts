/**
 * A boolean query parameter as the API server reads it (Go's strconv.ParseBool): `1`, `t`, `T`,
 * `true`, `TRUE` and `True` are true (the Python client sends `True`); anything else is false.
 */
export const queryFlag = (q: URLSearchParams, name: string): boolean =>
  ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(q.get(name) ?? '');
