import { compileLinear, invalidParameter } from '../kernel/index.js';

/** What is wrong with one field: the API server's cause. */
export type Cause = { field: string; message: string };

/**
 * Kubernetes' rules for names, label keys and values, checked on RE2 (linear time, whatever a
 * request carries). The messages are the API server's, word for word: clients and users match on
 * them.
 */
const SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const subdomain = compileLinear(SUBDOMAIN);
const label = compileLinear(LABEL);
const qualified = compileLinear(QUALIFIED);

/** What is wrong with a DNS-1123 subdomain (most objects' names), or undefined. */
export function subdomainProblem(v: string): string | undefined {
  if (v.length > 253) return 'must be no more than 253 characters';
  if (!subdomain.matches(v))
    return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${SUBDOMAIN}')`;
  return undefined;
}

const domainPath = compileLinear('[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?');
/** Whether a value is a domain-prefixed path (`acme.io/foo`: an IngressClass's controller, a Job's managedBy). */
export const isDomainPrefixedPath = (v: string) => domainPath.matches(v);

/** What is wrong with a DNS-1123 label (namespaces' names), or undefined. */
export function labelProblem(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!label.matches(v))
    return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${LABEL}')`;
  return undefined;
}

/** What is wrong with a label or annotation key (`[prefix/]name`), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0) return 'prefix part must be non-empty';
    const p = subdomainProblem(prefix);
    if (p) return `prefix part ${p}`;
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!qualified.matches(name))
    return `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED}')`;
  return undefined;
}

/** What is wrong with a label value, or undefined. */
export function labelValueProblem(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (v.length > 0 && !qualified.matches(v))
    return `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(${QUALIFIED})?')`;
  return undefined;
}

/** The API server's "Invalid value" cause for one field. */
export function invalidValue(field: string, value: unknown, problem: string): { field: string; message: string } {
  return { field, message: `Invalid value: ${JSON.stringify(value)}: ${problem}` };
}

/** The cause for a field berth accepts in shape but does not act on yet. */
export function notImplemented(field: string, what: string): Cause {
  return { field, message: `Forbidden: ${what} is not implemented in berth yet` };
}

/** An Invalid error (422) for an object, with each field's cause (as `Kind "name" is invalid: …`). */
export function invalidObject(kind: string, name: string, causes: { field: string; message: string }[], group = '') {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  // The kind qualified by its group, as the API server names it (`Deployment.apps "web" is invalid`).
  const qualified = group ? `${kind}.${group}` : kind;
  const message = `${qualified} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
  return invalidParameter(message, { resource: kind, name, group, causes });
}
