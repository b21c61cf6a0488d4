import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicy } from './document.js';
import { decisionsFor, evaluate, type Caller, type Decision } from './evaluate.js';
import { CASES } from './evaluate.cases.js';

const ctxOf = (c: Record<string, string | string[]> = {}) =>
  new Map(Object.entries(c).map(([k, v]) => [k.toLowerCase(), v] as const));

describe('IAM policy evaluation, table cases from the IAM documentation', () => {
  for (const c of CASES)
    it(c.name, () => {
      const policies = c.policies.map((p) => parsePolicy(JSON.stringify(p), c.caller ? 'resource' : 'identity'));
      const got = evaluate(
        policies,
        { action: c.action, resource: c.resource ?? '*', context: ctxOf(c.ctx) },
        c.caller,
      );
      assert.equal(got, c.want);
    });

  it('holds at least 100 cases', () => assert.ok(CASES.length >= 100, `${CASES.length} cases`));
});

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('IAM policy evaluation, properties', () => {
  const actions = ['ecs:RunTask', 'ecs:ListClusters', 'ecr:BatchGetImage', 'iam:CreateUser', 'logs:PutLogEvents'];
  const patterns = ['*', 'ecs:*', 'ecs:List*', 'ecr:*Image', 'iam:*', 'logs:Put?ogEvents', 's3:*'];
  const resources = [
    '*',
    'arn:aws:ecs:us-east-1:000000000000:cluster/default',
    'arn:aws:ecr:us-east-1:000000000000:repository/app',
  ];
  const rpatterns = [
    '*',
    'arn:aws:ecs:*:*:cluster/*',
    'arn:aws:ecr:us-east-1:000000000000:repository/*',
    'arn:aws:iam::*',
  ];
  const conds = [
    undefined,
    { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
    { StringNotEquals: { 'aws:PrincipalTag/team': 'red' } },
    { Bool: { 'aws:SecureTransport': 'true' } },
    { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  ];
  const contexts: Record<string, string>[] = [
    {},
    { 'aws:RequestedRegion': 'us-east-1', 'aws:SecureTransport': 'false', 'aws:SourceIp': '10.1.2.3' },
    { 'aws:PrincipalTag/team': 'red', 'aws:SourceIp': '192.168.0.1' },
  ];

  it('adding an explicit Deny never turns a denied request into an allowed one, nor a denied into allowed', () => {
    const r = rng(20261202);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const stmt = (effect: 'Allow' | 'Deny') => {
      const cond = pick(conds);
      return {
        Effect: effect,
        [r() < 0.2 ? 'NotAction' : 'Action']: pick(patterns),
        [r() < 0.2 ? 'NotResource' : 'Resource']: pick(rpatterns),
        ...(cond ? { Condition: cond } : {}),
      };
    };
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const base = Array.from({ length: 1 + Math.floor(r() * 3) }, () =>
        parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [stmt(r() < 0.7 ? 'Allow' : 'Deny')] })),
      );
      const deny = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [stmt('Deny')] }));
      const req = { action: pick(actions), resource: pick(resources), context: ctxOf(pick(contexts)) };
      const before: Decision = evaluate(base, req);
      const after: Decision = evaluate([...base, deny], req);
      if (before !== 'Allow') assert.notEqual(after, 'Allow', JSON.stringify({ base, deny, req: req.action }));
      if (after === 'Allow') assert.equal(before, 'Allow');
      checked++;
    }
    assert.equal(checked, 3000);
  });

  it('a policy’s order does not change the decision', () => {
    const r = rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    for (let i = 0; i < 1000; i++) {
      const ps = Array.from({ length: 3 }, () =>
        parsePolicy(
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: r() < 0.6 ? 'Allow' : 'Deny', Action: pick(patterns), Resource: pick(rpatterns) }],
          }),
        ),
      );
      const req = { action: pick(actions), resource: pick(resources), context: ctxOf() };
      assert.equal(evaluate(ps, req), evaluate([...ps].reverse(), req));
    }
  });
});

describe('IAM policy evaluation, one call over several resources', () => {
  const task = (id: string) => `arn:aws:ecs:us-east-1:000000000000:task/web/${id}`;
  const policy = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'ecs:DescribeTasks',
          Resource: task('*'),
          Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
        },
        {
          Effect: 'Deny',
          Action: 'ecs:*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
        },
      ],
    }),
  );

  it('decides the call’s conditions once, and a resource’s tags per resource', () => {
    const reads = new Map<string, number>();
    const tagsOf: Record<string, string> = { [task('a')]: 'red', [task('b')]: 'blue' };
    const base = new Map([
      ['aws:requestedregion', 'us-east-1'],
      ['aws:principaltag/team', 'blue'],
    ]);
    const context = {
      get(key: string) {
        reads.set(key, (reads.get(key) ?? 0) + 1);
        return base.get(key);
      },
      forResource: (resource: string) => ({
        get: (key: string) => (key === 'aws:resourcetag/team' ? tagsOf[resource] : context.get(key)),
      }),
    };
    const decide = decisionsFor([policy], 'ecs:DescribeTasks', context);
    assert.deepEqual(
      [task('a'), task('b'), task('c'), 'arn:aws:ecs:us-east-1:000000000000:service/web/x'].map(decide),
      ['Allow', 'ExplicitDeny', 'Allow', 'ImplicitDeny'],
    );
    assert.equal(reads.get('aws:requestedregion'), 1, 'the region condition is decided once for the call');
    // ${aws:PrincipalTag/team} is filled for the two tagged resources only: the others have no tag to compare.
    assert.equal(reads.get('aws:principaltag/team'), 2);
  });

  it('agrees with evaluate, resource by resource', () => {
    const resources = [task('a'), task('b'), '*'];
    const context = new Map([['aws:requestedregion', 'eu-west-1']]);
    const decide = decisionsFor([policy], 'ecs:DescribeTasks', context);
    for (const resource of resources)
      assert.equal(decide(resource), evaluate([policy], { action: 'ecs:DescribeTasks', resource, context }));
    assert.equal(decide(task('a')), 'ImplicitDeny', 'another region is not allowed');
  });
});

export type { Caller };
