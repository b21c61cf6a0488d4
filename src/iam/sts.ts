import { randomBytes } from 'node:crypto';
import { accessDenied, invalidParameter } from '../kernel/index.js';
import { now, type IamDeps } from './deps.js';
import { iamId, sessions, type RoleRecord, type SessionRecord } from './identity-tables.js';
import { parsePolicy } from './policy/document.js';
import { evaluate, type Caller } from './policy/evaluate.js';
import type { Principal } from './principals.js';
import { roleOfArn } from './roles.js';

// STS: temporary credentials, for a role (AssumeRole) or for the caller itself (GetSessionToken).

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Who asks to assume a role: a principal of the account, or an AWS service (ECS for a task). */
export type AssumingCaller = { principal: Principal } | { service: string };

async function issue(deps: IamDeps, seconds: number, rest: Pick<SessionRecord, 'role' | 'userName' | 'sessionPolicy'>) {
  const id = iamId('ASIA');
  const secret = randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40);
  // Opaque to callers, as AWS's are; long enough that it cannot be guessed.
  const token = randomBytes(96).toString('base64');
  const at = now(deps);
  const record: SessionRecord = {
    id,
    sealed: deps.sealer.seal(secret, `session:${id}`),
    token,
    createdAt: at,
    expiresAt: at + seconds * 1000,
    ...rest,
  };
  await deps.store.transact((tx) => {
    // Expired sessions are swept as new ones are made, so the table holds live sessions only.
    for (const e of tx.list(sessions)) if (e.value.expiresAt <= at) tx.delete(sessions, e.key);
    tx.put(sessions, record);
  });
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    sessionToken: token,
    expiration: new Date(record.expiresAt),
  } satisfies IssuedCredentials;
}

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  externalId?: string;
  policy?: string;
  sourceIp?: string;
}

/**
 * AssumeRole: the role's trust policy must allow the caller (a principal by ARN or account, or a
 * service such as `ecs-tasks.amazonaws.com`). A role that does not exist is refused in the same
 * words as one that does not trust the caller, as AWS does.
 */
export async function assumeRole(
  deps: IamDeps,
  caller: AssumingCaller,
  i: AssumeRoleInput,
): Promise<{ credentials: IssuedCredentials; role: RoleRecord; assumedRoleArn: string; assumedRoleId: string }> {
  if (!/^[\w+=,.@-]{2,64}$/.test(i.sessionName))
    throw invalidParameter(
      "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      { field: 'RoleSessionName' },
    );
  if (i.policy !== undefined) parsePolicy(i.policy);
  const who = 'principal' in caller ? caller.principal.arn : caller.service;
  const refused = () =>
    accessDenied(`User: ${who} is not authorized to perform: sts:AssumeRole on resource: ${i.roleArn}`);
  const role = roleOfArn(deps, i.roleArn);
  if (!role) throw refused();
  const trust = parsePolicy(role.trustPolicy, 'resource');
  const asCaller: Caller =
    'principal' in caller
      ? { arn: caller.principal.role?.arn ?? caller.principal.arn, account: caller.principal.account }
      : { service: caller.service };
  const context = new Map<string, string>([
    ['aws:currenttime', new Date(now(deps)).toISOString()],
    ...(i.externalId !== undefined ? [['sts:externalid', i.externalId] as [string, string]] : []),
    ...('principal' in caller
      ? [['aws:principalarn', caller.principal.role?.arn ?? caller.principal.arn] as [string, string]]
      : []),
    ...(i.sourceIp ? [['aws:sourceip', i.sourceIp] as [string, string]] : []),
  ]);
  // A session assumed by an assumed role (role chaining) also matches a trust policy naming its session ARN.
  const allowed =
    evaluate([trust], { action: 'sts:AssumeRole', resource: role.arn, context }, asCaller) === 'Allow' ||
    ('principal' in caller &&
      caller.principal.role !== undefined &&
      evaluate([trust], { action: 'sts:AssumeRole', resource: role.arn, context }, { arn: caller.principal.arn }) ===
        'Allow');
  if (!allowed) throw refused();
  const chained = 'principal' in caller && caller.principal.kind === 'assumed-role';
  const max = chained ? 3600 : role.maxSessionDuration;
  const seconds = i.durationSeconds ?? 3600;
  if (seconds < 900 || seconds > max)
    throw invalidParameter(
      `The requested DurationSeconds exceeds the ${chained ? '1 hour session limit for roles assumed by role chaining' : 'MaxSessionDuration set for this role'}.`,
      { field: 'DurationSeconds' },
    );
  const credentials = await issue(deps, seconds, {
    role: { name: role.name, arn: role.arn, id: role.id, sessionName: i.sessionName },
    ...(i.policy !== undefined ? { sessionPolicy: i.policy } : {}),
  });
  return {
    credentials,
    role,
    assumedRoleArn: `arn:aws:sts::${deps.accountId}:assumed-role/${role.name}/${i.sessionName}`,
    assumedRoleId: `${role.id}:${i.sessionName}`,
  };
}

/** Whether a service (`ecs-tasks.amazonaws.com`) may assume a role: it exists and its trust policy allows it. */
export function serviceMayAssume(deps: IamDeps, roleArn: string, service: string): boolean {
  const role = roleOfArn(deps, roleArn);
  if (!role) return false;
  const context = new Map([['aws:currenttime', new Date(now(deps)).toISOString()]]);
  return (
    evaluate(
      [parsePolicy(role.trustPolicy, 'resource')],
      { action: 'sts:AssumeRole', resource: role.arn, context },
      { service },
    ) === 'Allow'
  );
}

/** GetSessionToken: temporary credentials for a user or the root, never for a role session. */
export async function getSessionToken(
  deps: IamDeps,
  p: Principal,
  durationSeconds?: number,
): Promise<IssuedCredentials> {
  if (p.kind === 'assumed-role') throw accessDenied('Cannot call GetSessionToken with session credentials');
  const max = p.kind === 'root' ? 3600 : 129_600;
  const seconds = durationSeconds ?? (p.kind === 'root' ? 3600 : 43_200);
  if (seconds < 900 || seconds > max)
    throw invalidParameter(`The requested DurationSeconds must be between 900 and ${max} seconds.`, {
      field: 'DurationSeconds',
    });
  return issue(deps, seconds, p.kind === 'user' ? { userName: p.userName as string } : {});
}
