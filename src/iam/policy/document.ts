import { invalidParameter, jsonDepthExceeds } from '../../kernel/index.js';
import { isKnownOperator, type ConditionBlock } from './conditions.js';

// An IAM policy document, checked and put in one shape: every element that may be a string or a
// list of strings becomes a list, so evaluation reads one form.

export type Effect = 'Allow' | 'Deny';

/** `"*"`, or principals by kind (`AWS`, `Service`, `Federated`, `CanonicalUser`). */
export type Principals = '*' | Readonly<Record<string, readonly string[]>>;

export interface Statement {
  sid?: string;
  effect: Effect;
  /** Exactly one of action / notAction. */
  action?: readonly string[];
  notAction?: readonly string[];
  resource?: readonly string[];
  notResource?: readonly string[];
  principal?: Principals;
  notPrincipal?: Principals;
  condition?: ConditionBlock;
}

export interface Policy {
  /** `2012-10-17` (policy variables are substituted) or `2008-10-17` (they are not). */
  version: string;
  statements: readonly Statement[];
}

/** AWS's own limits: a managed policy of 6,144 characters (without whitespace), a role's inline ones 10,240. */
export const MAX_POLICY_CHARS = 131_072;

const malformed = (message: string) =>
  invalidParameter(message, { field: 'PolicyDocument', reason: 'policy-malformed' });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(v: unknown, what: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((x) => typeof x === 'string'))
    throw malformed(`Syntax errors in policy. ${what} must be a string or a list of strings.`);
  return list as string[];
}

// Prototype-free copies: a crafted key (`__proto__`, `constructor`) is only ever data.
const table = <T>(entries: [string, T][]): Record<string, T> =>
  Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(entries));

function principals(v: unknown, what: string): Principals {
  if (v === '*') return '*';
  if (!isObject(v)) throw malformed(`Syntax errors in policy. ${what} must be "*" or an object.`);
  return table(Object.entries(v).map(([k, x]) => [k, strings(x, `${what}.${k}`)]));
}

function conditions(v: unknown): ConditionBlock {
  if (!isObject(v)) throw malformed('Syntax errors in policy. Condition must be an object.');
  return table(
    Object.entries(v).map(([op, keys]) => {
      if (!isKnownOperator(op)) throw malformed(`Invalid Condition type : ${op}.`);
      if (!isObject(keys)) throw malformed(`Syntax errors in policy. Condition ${op} must be an object.`);
      return [
        op,
        table(
          Object.entries(keys).map(([k, vals]) => {
            const list = Array.isArray(vals) ? vals : [vals];
            if (!list.every((x) => ['string', 'number', 'boolean'].includes(typeof x)))
              throw malformed(
                `Syntax errors in policy. Condition values of ${k} must be strings, numbers or booleans.`,
              );
            return [k, list.map(String)];
          }),
        ),
      ];
    }),
  );
}

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);

function statement(v: unknown, resourcePolicy: boolean): Statement {
  if (!isObject(v)) throw malformed('Syntax errors in policy. A statement must be an object.');
  for (const k of Object.keys(v))
    if (!STATEMENT_KEYS.has(k)) throw malformed(`Syntax errors in policy. Unknown field ${k}.`);
  const effect = v['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny')
    throw malformed('Syntax errors in policy. Effect must be Allow or Deny.');
  if ('Action' in v === 'NotAction' in v)
    throw malformed('Syntax errors in policy. A statement needs exactly one of Action and NotAction.');
  if ('Resource' in v && 'NotResource' in v)
    throw malformed('Syntax errors in policy. A statement cannot have both Resource and NotResource.');
  if (!resourcePolicy && !('Resource' in v) && !('NotResource' in v))
    throw malformed('Policy statement must contain resources.');
  if (!resourcePolicy && ('Principal' in v || 'NotPrincipal' in v))
    throw malformed('Policy document should not specify a principal.');
  if (resourcePolicy && !('Principal' in v) && !('NotPrincipal' in v))
    throw malformed('Missing required field Principal');
  const s: Statement = {
    effect,
    ...(typeof v['Sid'] === 'string' ? { sid: v['Sid'] } : {}),
    ...('Action' in v ? { action: strings(v['Action'], 'Action') } : {}),
    ...('NotAction' in v ? { notAction: strings(v['NotAction'], 'NotAction') } : {}),
    ...('Resource' in v ? { resource: strings(v['Resource'], 'Resource') } : {}),
    ...('NotResource' in v ? { notResource: strings(v['NotResource'], 'NotResource') } : {}),
    ...('Principal' in v ? { principal: principals(v['Principal'], 'Principal') } : {}),
    ...('NotPrincipal' in v ? { notPrincipal: principals(v['NotPrincipal'], 'NotPrincipal') } : {}),
    ...('Condition' in v ? { condition: conditions(v['Condition']) } : {}),
  };
  for (const a of [...(s.action ?? []), ...(s.notAction ?? [])])
    if (a !== '*' && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(a))
      throw malformed(`Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (${a})`);
  for (const r of [...(s.resource ?? []), ...(s.notResource ?? [])])
    if (r !== '*' && !r.startsWith('arn:')) throw malformed(`Resource ${r} must be in ARN format or "*".`);
  return s;
}

/**
 * Parses a policy document as IAM accepts it. An identity policy names resources and no principal;
 * a resource policy (a role's trust policy) names principals. Anything else is MalformedPolicyDocument.
 */
export function parsePolicy(text: string, kind: 'identity' | 'resource' = 'identity'): Policy {
  if (text.length > MAX_POLICY_CHARS) throw malformed('Cannot exceed quota for PolicySize.');
  if (jsonDepthExceeds(text, 32)) throw malformed('Syntax errors in policy. The document is nested too deeply.');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('Syntax errors in policy.');
  }
  if (!isObject(doc)) throw malformed('Syntax errors in policy. A policy is a JSON object.');
  for (const k of Object.keys(doc))
    if (!['Version', 'Id', 'Statement'].includes(k)) throw malformed(`Syntax errors in policy. Unknown field ${k}.`);
  const version = doc['Version'] ?? '2008-10-17';
  if (version !== '2012-10-17' && version !== '2008-10-17')
    throw malformed('The policy failed legacy parsing: Version must be 2012-10-17 or 2008-10-17.');
  const raw = doc['Statement'];
  if (raw === undefined) throw malformed('Syntax errors in policy. Missing required field Statement.');
  const list = Array.isArray(raw) ? raw : [raw];
  return { version, statements: list.map((s) => statement(s, kind === 'resource')) };
}
