import type { Caller, Decision } from './evaluate.js';

// Table cases for policy evaluation, after the examples and rules of the IAM User Guide
// ("Policy evaluation logic", "IAM JSON policy elements", "Condition operators", "Policy
// variables", "Example IAM identity-based policies").

export interface Case {
  name: string;
  policies: object[];
  action: string;
  resource?: string;
  ctx?: Record<string, string | string[]>;
  caller?: Caller;
  want: Decision;
}

type Stmt = Record<string, unknown>;
const doc = (...Statement: Stmt[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', Condition?: object): Stmt => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});
const deny = (Action: string | string[], Resource: string | string[] = '*', Condition?: object): Stmt => ({
  ...allow(Action, Resource, Condition),
  Effect: 'Deny',
});

const A = '000000000000';
const cluster = (n: string, region = 'us-east-1') => `arn:aws:ecs:${region}:${A}:cluster/${n}`;
const repo = (n: string) => `arn:aws:ecr:us-east-1:${A}:repository/${n}`;
const taskDef = (n: string) => `arn:aws:ecs:us-east-1:${A}:task-definition/${n}`;

/** Cases of one policy over one action and resource, differing only in the request's context. */
function withContext(
  name: string,
  statement: Stmt,
  action: string,
  rows: [string, Record<string, string | string[]>, Decision][],
  resource = '*',
): Case[] {
  return rows.map(([label, ctx, want]) => ({
    name: `${name}: ${label}`,
    policies: [doc(statement)],
    action,
    resource,
    ctx,
    want,
  }));
}

const basics: Case[] = [
  { name: 'no policy: implicit deny', policies: [], action: 'ecs:ListClusters', want: 'ImplicitDeny' },
  {
    name: 'allow of the exact action',
    policies: [doc(allow('ecs:ListClusters'))],
    action: 'ecs:ListClusters',
    want: 'Allow',
  },
  {
    name: 'allow of another action: implicit deny',
    policies: [doc(allow('ecs:ListClusters'))],
    action: 'ecs:RunTask',
    want: 'ImplicitDeny',
  },
  {
    name: 'action names are case-insensitive',
    policies: [doc(allow('ECS:listclusters'))],
    action: 'ecs:ListClusters',
    want: 'Allow',
  },
  { name: 'service wildcard', policies: [doc(allow('ecs:*'))], action: 'ecs:RunTask', want: 'Allow' },
  {
    name: 'service wildcard does not reach another service',
    policies: [doc(allow('ecs:*'))],
    action: 'ecr:BatchGetImage',
    want: 'ImplicitDeny',
  },
  { name: 'prefix wildcard', policies: [doc(allow('ecs:Describe*'))], action: 'ecs:DescribeTasks', want: 'Allow' },
  {
    name: 'prefix wildcard misses',
    policies: [doc(allow('ecs:Describe*'))],
    action: 'ecs:ListTasks',
    want: 'ImplicitDeny',
  },
  { name: 'inner wildcard', policies: [doc(allow('ecr:*Image'))], action: 'ecr:BatchGetImage', want: 'Allow' },
  { name: 'single-character wildcard', policies: [doc(allow('ecs:?unTask'))], action: 'ecs:RunTask', want: 'Allow' },
  {
    name: 'single-character wildcard is one character',
    policies: [doc(allow('ecs:?Task'))],
    action: 'ecs:RunTask',
    want: 'ImplicitDeny',
  },
  { name: 'full wildcard (AdministratorAccess)', policies: [doc(allow('*'))], action: 'iam:CreateUser', want: 'Allow' },
  {
    name: 'list of actions: any matches',
    policies: [doc(allow(['ecs:ListClusters', 'ecs:RunTask']))],
    action: 'ecs:RunTask',
    want: 'Allow',
  },
  { name: 'explicit deny', policies: [doc(deny('ecs:RunTask'))], action: 'ecs:RunTask', want: 'ExplicitDeny' },
  {
    name: 'deny wins over allow in the same policy',
    policies: [doc(allow('ecs:*'), deny('ecs:RunTask'))],
    action: 'ecs:RunTask',
    want: 'ExplicitDeny',
  },
  {
    name: 'deny wins over allow in another policy',
    policies: [doc(allow('*')), doc(deny('ecs:RunTask'))],
    action: 'ecs:RunTask',
    want: 'ExplicitDeny',
  },
  {
    name: 'deny of another action leaves the allow',
    policies: [doc(allow('ecs:*'), deny('ecs:DeleteCluster'))],
    action: 'ecs:RunTask',
    want: 'Allow',
  },
  {
    name: 'allow in any one of several policies',
    policies: [doc(allow('ecr:*')), doc(allow('ecs:RunTask'))],
    action: 'ecs:RunTask',
    want: 'Allow',
  },
  {
    name: 'statement as one object, not a list',
    policies: [{ Version: '2012-10-17', Statement: allow('ecs:RunTask') }],
    action: 'ecs:RunTask',
    want: 'Allow',
  },
  {
    name: 'deny with a wildcard action',
    policies: [doc(allow('*'), deny('iam:*'))],
    action: 'iam:CreateUser',
    want: 'ExplicitDeny',
  },
];

const notAction: Case[] = [
  {
    name: 'NotAction allows every other action',
    policies: [doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })],
    action: 'ecs:RunTask',
    want: 'Allow',
  },
  {
    name: 'NotAction does not allow the named actions',
    policies: [doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })],
    action: 'iam:CreateUser',
    want: 'ImplicitDeny',
  },
  {
    name: 'Deny with NotAction denies all but the named',
    policies: [doc(allow('*'), { Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*' })],
    action: 'ecs:RunTask',
    want: 'ExplicitDeny',
  },
  {
    name: 'Deny with NotAction spares the named',
    policies: [doc(allow('*'), { Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*' })],
    action: 'sts:GetCallerIdentity',
    want: 'Allow',
  },
  {
    name: 'NotAction with a list',
    policies: [
      doc({ Effect: 'Allow', NotAction: ['ecs:DeleteCluster', 'ecs:DeregisterContainerInstance'], Resource: '*' }),
    ],
    action: 'ecs:DeleteCluster',
    want: 'ImplicitDeny',
  },
  {
    name: 'NotAction matches names case-insensitively',
    policies: [doc({ Effect: 'Allow', NotAction: 'IAM:*', Resource: '*' })],
    action: 'iam:ListUsers',
    want: 'ImplicitDeny',
  },
];

const resources: Case[] = [
  {
    name: 'exact resource ARN',
    policies: [doc(allow('ecs:RunTask', cluster('prod')))],
    action: 'ecs:RunTask',
    resource: cluster('prod'),
    want: 'Allow',
  },
  {
    name: 'another resource: implicit deny',
    policies: [doc(allow('ecs:RunTask', cluster('prod')))],
    action: 'ecs:RunTask',
    resource: cluster('dev'),
    want: 'ImplicitDeny',
  },
  {
    name: 'resource path wildcard',
    policies: [doc(allow('ecr:*', repo('team-a/*')))],
    action: 'ecr:PutImage',
    resource: repo('team-a/web'),
    want: 'Allow',
  },
  {
    name: 'resource path wildcard misses a sibling path',
    policies: [doc(allow('ecr:*', repo('team-a/*')))],
    action: 'ecr:PutImage',
    resource: repo('team-b/web'),
    want: 'ImplicitDeny',
  },
  {
    name: 'region wildcard',
    policies: [doc(allow('ecs:*', `arn:aws:ecs:*:${A}:cluster/*`))],
    action: 'ecs:ListTasks',
    resource: cluster('x', 'eu-west-1'),
    want: 'Allow',
  },
  {
    name: 'region field must match',
    policies: [doc(allow('ecs:*', `arn:aws:ecs:us-west-2:${A}:cluster/*`))],
    action: 'ecs:ListTasks',
    resource: cluster('x'),
    want: 'ImplicitDeny',
  },
  {
    name: 'a wildcard in the region field does not cross into the account',
    policies: [doc(allow('ecs:*', 'arn:aws:ecs:*:111111111111:cluster/*'))],
    action: 'ecs:ListTasks',
    resource: cluster('x'),
    want: 'ImplicitDeny',
  },
  {
    name: 'resource type must match',
    policies: [doc(allow('ecs:*', `arn:aws:ecs:us-east-1:${A}:service/*`))],
    action: 'ecs:ListTasks',
    resource: cluster('x'),
    want: 'ImplicitDeny',
  },
  {
    name: 'a resourceless action needs Resource "*"',
    policies: [doc(allow('ecs:ListClusters', cluster('*')))],
    action: 'ecs:ListClusters',
    resource: '*',
    want: 'ImplicitDeny',
  },
  {
    name: 'Resource "*" covers a resourceless action',
    policies: [doc(allow('ecs:ListClusters'))],
    action: 'ecs:ListClusters',
    resource: '*',
    want: 'Allow',
  },
  {
    name: 'list of resources: any matches',
    policies: [doc(allow('ecs:RunTask', [cluster('a'), taskDef('web:*')]))],
    action: 'ecs:RunTask',
    resource: taskDef('web:3'),
    want: 'Allow',
  },
  {
    name: 'resource ARNs are case-sensitive',
    policies: [doc(allow('ecr:*', repo('App')))],
    action: 'ecr:PutImage',
    resource: repo('app'),
    want: 'ImplicitDeny',
  },
  {
    name: 'NotResource allows all other resources',
    policies: [doc({ Effect: 'Allow', Action: 'ecr:*', NotResource: repo('secret') })],
    action: 'ecr:PutImage',
    resource: repo('web'),
    want: 'Allow',
  },
  {
    name: 'NotResource excludes the named',
    policies: [doc({ Effect: 'Allow', Action: 'ecr:*', NotResource: repo('secret') })],
    action: 'ecr:PutImage',
    resource: repo('secret'),
    want: 'ImplicitDeny',
  },
  {
    name: 'Deny with NotResource denies all but the named',
    policies: [doc(allow('ecs:*'), { Effect: 'Deny', Action: 'ecs:*', NotResource: cluster('sandbox') })],
    action: 'ecs:RunTask',
    resource: cluster('prod'),
    want: 'ExplicitDeny',
  },
  {
    name: 'Deny with NotResource spares the named',
    policies: [doc(allow('ecs:*'), { Effect: 'Deny', Action: 'ecs:*', NotResource: cluster('sandbox') })],
    action: 'ecs:RunTask',
    resource: cluster('sandbox'),
    want: 'Allow',
  },
  {
    name: 'deny on one resource leaves others allowed',
    policies: [doc(allow('ecr:*'), deny('ecr:DeleteRepository', repo('prod/*')))],
    action: 'ecr:DeleteRepository',
    resource: repo('dev/x'),
    want: 'Allow',
  },
  {
    name: 'deny on one resource applies to it',
    policies: [doc(allow('ecr:*'), deny('ecr:DeleteRepository', repo('prod/*')))],
    action: 'ecr:DeleteRepository',
    resource: repo('prod/x'),
    want: 'ExplicitDeny',
  },
  {
    name: 'account wildcard',
    policies: [doc(allow('ecs:*', 'arn:aws:ecs:us-east-1:*:cluster/*'))],
    action: 'ecs:RunTask',
    resource: cluster('x'),
    want: 'Allow',
  },
  {
    name: 'question mark in a resource',
    policies: [doc(allow('ecs:*', cluster('web-?')))],
    action: 'ecs:RunTask',
    resource: cluster('web-1'),
    want: 'Allow',
  },
];

const conditions: Case[] = [
  ...withContext(
    'StringEquals on aws:RequestedRegion',
    allow('ecs:*', '*', { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }),
    'ecs:RunTask',
    [
      ['same region', { 'aws:RequestedRegion': 'us-east-1' }, 'Allow'],
      ['other region', { 'aws:RequestedRegion': 'eu-west-1' }, 'ImplicitDeny'],
      ['key absent', {}, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'condition key names are case-insensitive',
    allow('ecs:*', '*', { StringEquals: { 'AWS:requestedregion': 'us-east-1' } }),
    'ecs:RunTask',
    [['mixed case key', { 'aws:RequestedRegion': 'us-east-1' }, 'Allow']],
  ),
  ...withContext(
    'condition values are case-sensitive',
    allow('ecs:*', '*', { StringEquals: { 'aws:PrincipalTag/team': 'Blue' } }),
    'ecs:RunTask',
    [['other case', { 'aws:PrincipalTag/team': 'blue' }, 'ImplicitDeny']],
  ),
  ...withContext(
    'several values: any one matches',
    allow('ecs:*', '*', { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } }),
    'ecs:RunTask',
    [
      ['first', { 'aws:RequestedRegion': 'us-east-1' }, 'Allow'],
      ['second', { 'aws:RequestedRegion': 'us-west-2' }, 'Allow'],
      ['neither', { 'aws:RequestedRegion': 'eu-west-1' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'several keys: all must match',
    allow('ecs:*', '*', { StringEquals: { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'blue' } }),
    'ecs:RunTask',
    [
      ['both', { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'blue' }, 'Allow'],
      ['one', { 'aws:RequestedRegion': 'us-east-1' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'several operators: all must hold',
    allow('ecs:*', '*', {
      StringEquals: { 'aws:RequestedRegion': 'us-east-1' },
      Bool: { 'aws:SecureTransport': 'true' },
    }),
    'ecs:RunTask',
    [
      ['both', { 'aws:RequestedRegion': 'us-east-1', 'aws:SecureTransport': 'true' }, 'Allow'],
      ['not secure', { 'aws:RequestedRegion': 'us-east-1', 'aws:SecureTransport': 'false' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'StringNotEquals',
    allow('ecs:*', '*', { StringNotEquals: { 'aws:PrincipalTag/team': ['red', 'green'] } }),
    'ecs:RunTask',
    [
      ['another value', { 'aws:PrincipalTag/team': 'blue' }, 'Allow'],
      ['a listed value', { 'aws:PrincipalTag/team': 'green' }, 'ImplicitDeny'],
      ['key absent: a negated operator holds', {}, 'Allow'],
    ],
  ),
  ...withContext(
    'Deny outside the allowed regions (NotAction and StringNotEquals)',
    {
      Effect: 'Deny',
      NotAction: ['iam:*', 'sts:*'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
    },
    'ecs:RunTask',
    [
      ['inside', { 'aws:RequestedRegion': 'eu-west-1' }, 'ImplicitDeny'],
      ['outside', { 'aws:RequestedRegion': 'ap-south-1' }, 'ExplicitDeny'],
    ],
  ),
  ...withContext(
    'StringEqualsIgnoreCase',
    allow('ecs:*', '*', { StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'BLUE' } }),
    'ecs:RunTask',
    [
      ['other case', { 'aws:PrincipalTag/team': 'blue' }, 'Allow'],
      ['other value', { 'aws:PrincipalTag/team': 'red' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'StringNotEqualsIgnoreCase',
    allow('ecs:*', '*', { StringNotEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'BLUE' } }),
    'ecs:RunTask',
    [
      ['same but for case', { 'aws:PrincipalTag/team': 'blue' }, 'ImplicitDeny'],
      ['other value', { 'aws:PrincipalTag/team': 'red' }, 'Allow'],
    ],
  ),
  ...withContext(
    'StringLike with * and ?',
    allow('ecs:*', '*', {
      StringLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/deploy-*', 'arn:aws:iam::*:user/ci-?'] },
    }),
    'ecs:RunTask',
    [
      ['role prefix', { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/deploy-prod` }, 'Allow'],
      ['one character', { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/ci-7` }, 'Allow'],
      ['two characters', { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/ci-77` }, 'ImplicitDeny'],
      ['another role', { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/admin` }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'StringNotLike',
    allow('ecs:*', '*', { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/guest-*' } }),
    'ecs:RunTask',
    [
      ['not like', { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/admin` }, 'Allow'],
      ['like', { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/guest-1` }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'NumericLessThan on a request key',
    allow('ecs:*', '*', { NumericLessThan: { 'ecs:count': '5' } }),
    'ecs:RunTask',
    [
      ['below', { 'ecs:count': '3' }, 'Allow'],
      ['equal', { 'ecs:count': '5' }, 'ImplicitDeny'],
      ['not a number', { 'ecs:count': 'many' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'NumericLessThanEquals',
    allow('ecs:*', '*', { NumericLessThanEquals: { 'ecs:count': '5' } }),
    'ecs:RunTask',
    [['equal', { 'ecs:count': '5' }, 'Allow']],
  ),
  ...withContext(
    'NumericGreaterThan',
    allow('ecs:*', '*', { NumericGreaterThan: { 'ecs:count': '5' } }),
    'ecs:RunTask',
    [
      ['above', { 'ecs:count': '6' }, 'Allow'],
      ['equal', { 'ecs:count': '5' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'NumericGreaterThanEquals',
    allow('ecs:*', '*', { NumericGreaterThanEquals: { 'ecs:count': '5.0' } }),
    'ecs:RunTask',
    [['equal as decimals', { 'ecs:count': '5' }, 'Allow']],
  ),
  ...withContext(
    'NumericEquals and NumericNotEquals',
    allow('ecs:*', '*', { NumericEquals: { 'ecs:count': '2' }, NumericNotEquals: { 'ecs:other': '2' } }),
    'ecs:RunTask',
    [
      ['2 and 3', { 'ecs:count': '2', 'ecs:other': '3' }, 'Allow'],
      ['2 and 2', { 'ecs:count': '2', 'ecs:other': '2' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'DateGreaterThan and DateLessThan on aws:CurrentTime (a time window)',
    allow('ecs:*', '*', {
      DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' },
      DateLessThan: { 'aws:CurrentTime': '2026-12-31T23:59:59Z' },
    }),
    'ecs:RunTask',
    [
      ['inside', { 'aws:CurrentTime': '2026-06-15T12:00:00Z' }, 'Allow'],
      ['before', { 'aws:CurrentTime': '2025-12-31T23:00:00Z' }, 'ImplicitDeny'],
      ['after', { 'aws:CurrentTime': '2027-01-01T00:00:01Z' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'dates as epoch seconds',
    allow('ecs:*', '*', { DateLessThanEquals: { 'aws:EpochTime': '1767225600' } }),
    'ecs:RunTask',
    [
      ['equal', { 'aws:EpochTime': '1767225600' }, 'Allow'],
      ['later', { 'aws:EpochTime': '1767225601' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'DateEquals and DateNotEquals',
    allow('ecs:*', '*', { DateNotEquals: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }),
    'ecs:RunTask',
    [
      ['same instant', { 'aws:CurrentTime': '2026-01-01T00:00:00.000Z' }, 'ImplicitDeny'],
      ['other instant', { 'aws:CurrentTime': '2026-01-02T00:00:00Z' }, 'Allow'],
    ],
  ),
  ...withContext(
    'Bool on aws:SecureTransport (deny plain HTTP)',
    deny('*', '*', { Bool: { 'aws:SecureTransport': 'false' } }),
    'ecs:RunTask',
    [
      ['http', { 'aws:SecureTransport': 'false' }, 'ExplicitDeny'],
      ['https', { 'aws:SecureTransport': 'true' }, 'ImplicitDeny'],
      ['absent', {}, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'IpAddress on aws:SourceIp',
    allow('ecs:*', '*', { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } }),
    'ecs:RunTask',
    [
      ['inside the v4 range', { 'aws:SourceIp': '203.0.113.9' }, 'Allow'],
      ['outside', { 'aws:SourceIp': '198.51.100.1' }, 'ImplicitDeny'],
      ['inside the v6 range', { 'aws:SourceIp': '2001:db8:0:1::5' }, 'Allow'],
      ['outside the v6 range', { 'aws:SourceIp': '2001:db9::1' }, 'ImplicitDeny'],
      ['not an address', { 'aws:SourceIp': 'localhost' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'a single address without a prefix length',
    allow('ecs:*', '*', { IpAddress: { 'aws:SourceIp': '127.0.0.1' } }),
    'ecs:RunTask',
    [
      ['same', { 'aws:SourceIp': '127.0.0.1' }, 'Allow'],
      ['next', { 'aws:SourceIp': '127.0.0.2' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'NotIpAddress in a Deny (deny from outside the network)',
    deny('*', '*', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }),
    'ecs:RunTask',
    [
      ['inside', { 'aws:SourceIp': '10.20.30.40' }, 'ImplicitDeny'],
      ['outside', { 'aws:SourceIp': '192.0.2.1' }, 'ExplicitDeny'],
    ],
  ),
  ...withContext(
    'ArnLike on aws:PrincipalArn',
    allow('ecs:*', '*', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/ops/*' } }),
    'ecs:RunTask',
    [
      ['a role under the path', { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/ops/oncall` }, 'Allow'],
      ['a user', { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/ops/oncall` }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'ArnEquals',
    allow('ecs:*', '*', { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/alice` } }),
    'ecs:RunTask',
    [
      ['same', { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/alice` }, 'Allow'],
      ['other', { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/bob` }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'ArnNotLike',
    allow('ecs:*', '*', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } }),
    'ecs:RunTask',
    [
      ['a role', { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/x` }, 'Allow'],
      ['a user', { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/x` }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'a wildcard in an ARN condition stays within its field',
    allow('ecs:*', '*', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:*' } }),
    'ecs:RunTask',
    [
      ['any IAM ARN', { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/x` }, 'Allow'],
      ['not an ARN', { 'aws:PrincipalArn': 'role/x' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'Null true: the key must be absent',
    allow('ecs:*', '*', { Null: { 'aws:PrincipalTag/team': 'true' } }),
    'ecs:RunTask',
    [
      ['absent', {}, 'Allow'],
      ['present', { 'aws:PrincipalTag/team': 'x' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'Null false: the key must be present (deny untagged creation)',
    deny('ecs:CreateCluster', '*', { Null: { 'aws:RequestTag/owner': 'true' } }),
    'ecs:CreateCluster',
    [
      ['no owner tag', {}, 'ExplicitDeny'],
      ['an owner tag', { 'aws:RequestTag/owner': 'me' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'IfExists: holds when the key is absent',
    allow('ecs:*', '*', { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'blue' } }),
    'ecs:RunTask',
    [
      ['absent', {}, 'Allow'],
      ['present and equal', { 'aws:PrincipalTag/team': 'blue' }, 'Allow'],
      ['present and different', { 'aws:PrincipalTag/team': 'red' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'ForAnyValue:StringEquals on aws:TagKeys',
    allow('ecs:TagResource', '*', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }),
    'ecs:TagResource',
    [
      ['one of them', { 'aws:TagKeys': ['owner', 'env'] }, 'Allow'],
      ['none of them', { 'aws:TagKeys': ['owner'] }, 'ImplicitDeny'],
      ['no keys', {}, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'ForAllValues:StringEquals on aws:TagKeys (only allowed tag keys)',
    allow('ecs:TagResource', '*', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }),
    'ecs:TagResource',
    [
      ['all allowed', { 'aws:TagKeys': ['env', 'team'] }, 'Allow'],
      ['one not allowed', { 'aws:TagKeys': ['env', 'owner'] }, 'ImplicitDeny'],
      ['no keys: vacuously true', {}, 'Allow'],
    ],
  ),
  ...withContext(
    'ForAnyValue:StringLike',
    allow('ecs:*', '*', { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'cost-*' } }),
    'ecs:TagResource',
    [['a match', { 'aws:TagKeys': ['x', 'cost-center'] }, 'Allow']],
  ),
  ...withContext(
    'ForAllValues:StringNotEquals (none of the forbidden keys)',
    allow('ecs:*', '*', { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['admin'] } }),
    'ecs:TagResource',
    [
      ['without the key', { 'aws:TagKeys': ['env', 'team'] }, 'Allow'],
      ['with the key', { 'aws:TagKeys': ['env', 'admin'] }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'aws:ResourceTag: only resources tagged for your team',
    allow('ecs:*', '*', { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } }),
    'ecs:StopTask',
    [
      ['same team', { 'aws:ResourceTag/team': 'blue', 'aws:PrincipalTag/team': 'blue' }, 'Allow'],
      ['other team', { 'aws:ResourceTag/team': 'red', 'aws:PrincipalTag/team': 'blue' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'aws:RequestTag on create',
    allow('ecs:CreateCluster', '*', { StringEquals: { 'aws:RequestTag/env': ['dev', 'test'] } }),
    'ecs:CreateCluster',
    [
      ['dev', { 'aws:RequestTag/env': 'dev' }, 'Allow'],
      ['prod', { 'aws:RequestTag/env': 'prod' }, 'ImplicitDeny'],
    ],
  ),
  ...withContext(
    'numbers given as JSON numbers and booleans as JSON booleans',
    allow('ecs:*', '*', { NumericLessThan: { 'ecs:count': 10 }, Bool: { 'aws:SecureTransport': true } }),
    'ecs:RunTask',
    [['both hold', { 'ecs:count': '9', 'aws:SecureTransport': 'true' }, 'Allow']],
  ),
];

const variables: Case[] = [
  ...withContext(
    '${aws:username} in a resource (each user their own repository)',
    allow('ecr:*', 'arn:aws:ecr:us-east-1:000000000000:repository/home/${aws:username}/*'),
    'ecr:PutImage',
    [
      ['own', { 'aws:username': 'alice' }, 'Allow'],
      ['missing variable: no match', {}, 'ImplicitDeny'],
    ],
    repo('home/alice/app'),
  ),
  ...withContext(
    '${aws:username} is not another user',
    allow('ecr:*', 'arn:aws:ecr:us-east-1:000000000000:repository/home/${aws:username}/*'),
    'ecr:PutImage',
    [['other', { 'aws:username': 'bob' }, 'ImplicitDeny']],
    repo('home/alice/app'),
  ),
  ...withContext(
    'a variable with a default',
    allow('ecr:*', "arn:aws:ecr:us-east-1:000000000000:repository/${aws:PrincipalTag/team, 'shared'}/*"),
    'ecr:PutImage',
    [
      ['no tag: the default', {}, 'Allow'],
      ['a tag: its value', { 'aws:PrincipalTag/team': 'blue' }, 'ImplicitDeny'],
    ],
    repo('shared/app'),
  ),
  ...withContext(
    'the ${*} escape is a literal star',
    allow('ecr:*', 'arn:aws:ecr:us-east-1:000000000000:repository/${*}'),
    'ecr:PutImage',
    [['any repository', {}, 'Allow']],
    repo('x'),
  ),
  {
    name: 'Version 2008-10-17: variables are taken literally',
    policies: [
      {
        Version: '2008-10-17',
        Statement: [allow('ecr:*', 'arn:aws:ecr:us-east-1:000000000000:repository/${aws:username}')],
      },
    ],
    action: 'ecr:PutImage',
    resource: repo('alice'),
    ctx: { 'aws:username': 'alice' },
    want: 'ImplicitDeny',
  },
];

const trust = (Principal: unknown, extra: Stmt = {}) =>
  doc({ Effect: 'Allow', Principal, Action: 'sts:AssumeRole', ...extra });
const roleArn = `arn:aws:iam::${A}:role/app`;
const trusts: Case[] = [
  {
    name: 'trust: the ECS tasks service',
    policies: [trust({ Service: 'ecs-tasks.amazonaws.com' })],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { service: 'ecs-tasks.amazonaws.com' },
    want: 'Allow',
  },
  {
    name: 'trust: another service is not trusted',
    policies: [trust({ Service: 'ecs-tasks.amazonaws.com' })],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { service: 'lambda.amazonaws.com' },
    want: 'ImplicitDeny',
  },
  {
    name: 'trust: a user is not the service',
    policies: [trust({ Service: 'ecs-tasks.amazonaws.com' })],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { arn: `arn:aws:iam::${A}:user/alice`, account: A },
    want: 'ImplicitDeny',
  },
  {
    name: 'trust: the account (its root ARN)',
    policies: [trust({ AWS: `arn:aws:iam::${A}:root` })],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { arn: `arn:aws:iam::${A}:user/alice`, account: A },
    want: 'Allow',
  },
  {
    name: 'trust: the account (its id)',
    policies: [trust({ AWS: A })],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { arn: `arn:aws:iam::${A}:user/alice`, account: A },
    want: 'Allow',
  },
  {
    name: 'trust: one user',
    policies: [trust({ AWS: `arn:aws:iam::${A}:user/alice` })],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { arn: `arn:aws:iam::${A}:user/bob`, account: A },
    want: 'ImplicitDeny',
  },
  {
    name: 'trust: "*"',
    policies: [trust('*')],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { arn: `arn:aws:iam::${A}:user/bob`, account: A },
    want: 'Allow',
  },
  {
    name: 'trust: the action must be sts:AssumeRole',
    policies: [trust({ Service: 'ecs-tasks.amazonaws.com' })],
    action: 'sts:TagSession',
    resource: roleArn,
    caller: { service: 'ecs-tasks.amazonaws.com' },
    want: 'ImplicitDeny',
  },
  {
    name: 'trust: a condition on the caller',
    policies: [trust({ AWS: A }, { Condition: { StringEquals: { 'sts:ExternalId': 'abc' } } })],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { account: A, arn: `arn:aws:iam::${A}:user/alice` },
    ctx: { 'sts:ExternalId': 'abc' },
    want: 'Allow',
  },
  {
    name: 'trust: the condition fails',
    policies: [trust({ AWS: A }, { Condition: { StringEquals: { 'sts:ExternalId': 'abc' } } })],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { account: A, arn: `arn:aws:iam::${A}:user/alice` },
    ctx: {},
    want: 'ImplicitDeny',
  },
  {
    name: 'trust: NotPrincipal in a Deny spares the named',
    policies: [
      doc(
        { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
        { Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'sts:AssumeRole' },
      ),
    ],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { arn: `arn:aws:iam::${A}:user/alice`, account: A },
    want: 'Allow',
  },
  {
    name: 'trust: NotPrincipal in a Deny denies the others',
    policies: [
      doc(
        { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
        { Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'sts:AssumeRole' },
      ),
    ],
    action: 'sts:AssumeRole',
    resource: roleArn,
    caller: { arn: `arn:aws:iam::${A}:user/bob`, account: A },
    want: 'ExplicitDeny',
  },
];

export const CASES: Case[] = [...basics, ...notAction, ...resources, ...conditions, ...variables, ...trusts];
