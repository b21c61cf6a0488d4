import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { BerthError, notFound } from '../kernel/errors.js';
import { createLogger } from '../kernel/logger.js';
import { dispatch, type DispatchDeps } from './dispatch.js';
import type { RawRequest } from './raw.js';
import { defineService } from './service.js';

const seen: Record<string, unknown> = {};
const created = new Date('2024-05-01T10:00:00.500Z');

const ecs = defineService('ecs', {
  handlers: {
    ListClusters: (input: { nextToken?: string }) => ({
      clusterArns: ['arn:aws:ecs:us-east-1:1:cluster/a'],
      nextToken: input.nextToken,
      secret: 'x',
    }),
    DescribeClusters: () => {
      throw notFound('Cluster not found.', { resource: 'cluster' });
    },
    DeleteCluster: () => {
      throw new Error('database exploded at /var/lib/secret');
    },
    DescribeTaskDefinition: () => ({ taskDefinition: { family: 'web', registeredAt: created } }),
  },
  validationErrorCode: 'InvalidParameterException',
  errorCode: (e: BerthError) =>
    e.kind === 'NotFound' && e.detail.resource === 'cluster' ? 'ClusterNotFoundException' : undefined,
});
const apprunner = defineService('apprunner', { handlers: { ListServices: () => ({ ServiceSummaryList: [] }) } });
const sts = defineService('sts', {
  handlers: {
    GetCallerIdentity: () => ({ Account: '1', Arn: 'arn', UserId: 'u' }),
    AssumeRole: (input: unknown) => {
      seen.assumeRole = input;
      return { Credentials: { AccessKeyId: 'a', SecretAccessKey: 's', SessionToken: 't', Expiration: created } };
    },
  },
});
const eks = defineService('eks', {
  handlers: {
    DescribeCluster: (input: { name: string }) => ({ cluster: { name: input.name, createdAt: created } }),
    ListClusters: (input: unknown) => {
      seen.eksList = input;
      return { clusters: ['a', 'b'] };
    },
    CreateCluster: (input: unknown) => {
      seen.eksCreate = input;
      return { cluster: { name: 'made' } };
    },
  },
});

const deps: DispatchDeps = {
  services: [ecs, apprunner, sts, eks],
  auth: { mode: 'open', keys: new Map() },
  accountId: '000000000000',
  clock: new ManualClock(),
  logger: createLogger('silent'),
};

const auth = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-central-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

function jsonReq(target: string, body: string, signed = true): RawRequest {
  return {
    method: 'POST',
    path: '/',
    rawQuery: '',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      'x-amz-date': '20240101T000000Z',
      ...(signed ? { authorization: auth('ecs') } : {}),
    },
    body: Buffer.from(body),
  };
}

function queryReq(body: string, signed = true): RawRequest {
  return {
    method: 'POST',
    path: '/',
    rawQuery: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-amz-date': '20240101T000000Z',
      ...(signed ? { authorization: auth('sts') } : {}),
    },
    body: Buffer.from(body),
  };
}

function restReq(method: string, path: string, rawQuery = '', body = ''): RawRequest {
  return {
    method,
    path,
    rawQuery,
    headers: { 'content-type': 'application/json', 'x-amz-date': '20240101T000000Z', authorization: auth('eks') },
    body: Buffer.from(body),
  };
}

const json = (b: string | Buffer) => JSON.parse(String(b)) as Record<string, unknown>;

describe('JSON 1.1 protocol', () => {
  const T = 'AmazonEC2ContainerServiceV20141113';
  it('answers with only modelled members and a request id', async () => {
    const r = await dispatch(jsonReq(`${T}.ListClusters`, '{"nextToken":"n1"}'), deps);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-amz-json-1.1');
    assert.match(r.headers['x-amzn-requestid'] ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(json(r.body), { clusterArns: ['arn:aws:ecs:us-east-1:1:cluster/a'], nextToken: 'n1' });
  });

  it('writes timestamps as epoch seconds', async () => {
    const r = await dispatch(jsonReq(`${T}.DescribeTaskDefinition`, '{"taskDefinition":"web"}'), deps);
    assert.deepEqual(json(r.body), { taskDefinition: { family: 'web', registeredAt: 1714557600.5 } });
  });

  it('accepts an empty body as an empty input', async () => {
    assert.equal((await dispatch(jsonReq(`${T}.ListClusters`, ''), deps)).status, 200);
  });

  const errorCases: [string, RawRequest, number, string, RegExp][] = [
    [
      'malformed JSON',
      jsonReq(`${T}.ListClusters`, '{"maxResults": '),
      400,
      'SerializationException',
      /Malformed JSON/,
    ],
    ['a JSON array body', jsonReq(`${T}.ListClusters`, '[]'), 400, 'SerializationException', /JSON object/],
    ['an unknown target', jsonReq(`${T}.MakeCoffee`, '{}'), 400, 'UnknownOperationException', /MakeCoffee/],
    [
      'an unknown service prefix',
      jsonReq('Nope_2020.Thing', '{}'),
      400,
      'UnknownOperationException',
      /Nope_2020.Thing/,
    ],
    [
      'a wrong type',
      jsonReq(`${T}.ListClusters`, '{"maxResults":"ten"}'),
      400,
      'SerializationException',
      /'maxResults' is not a valid integer/,
    ],
    [
      'a missing member',
      jsonReq(`${T}.DescribeTaskDefinition`, '{}'),
      400,
      'InvalidParameterException',
      /Value null at 'taskDefinition'/,
    ],
    [
      'a bad enum',
      jsonReq(`${T}.ListTasks`, '{"desiredStatus":"SLEEPING"}'),
      400,
      'InvalidParameterException',
      /'desiredStatus'.*enum value set: \[RUNNING, PENDING, STOPPED\]/,
    ],
    [
      'an unsigned request',
      jsonReq(`${T}.ListClusters`, '{}', false),
      403,
      'MissingAuthenticationTokenException',
      /Missing Authentication Token/,
    ],
    [
      'an unbuilt operation',
      jsonReq(`${T}.CreateCluster`, '{}'),
      501,
      'NotImplemented',
      /ECS CreateCluster is not implemented/,
    ],
    [
      'a domain error the service names',
      jsonReq(`${T}.DescribeClusters`, '{}'),
      400,
      'ClusterNotFoundException',
      /Cluster not found/,
    ],
    [
      'an unexpected failure',
      jsonReq(`${T}.DeleteCluster`, '{"cluster":"a"}'),
      500,
      'InternalFailure',
      /^An internal error occurred$/,
    ],
  ];
  for (const [name, req, status, code, message] of errorCases) {
    it(`answers ${name} with ${code} (${status})`, async () => {
      const r = await dispatch(req, deps);
      assert.equal(r.status, status);
      assert.equal(r.headers['x-amzn-errortype'], code);
      assert.ok(r.headers['x-amzn-requestid']);
      const body = json(r.body);
      assert.equal(body.__type, code);
      assert.match(String(body.message), message);
    });
  }
});

describe('JSON 1.0 protocol', () => {
  it('answers with the 1.0 content type', async () => {
    const req = jsonReq('AppRunner.ListServices', '{}');
    const r = await dispatch(req, deps);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-amz-json-1.0');
    assert.deepEqual(json(r.body), { ServiceSummaryList: [] });
  });
});

describe('query protocol', () => {
  it('answers in the XML result wrapper with the request id', async () => {
    const r = await dispatch(queryReq('Action=GetCallerIdentity&Version=2011-06-15'), deps);
    assert.equal(r.status, 200);
    assert.match(
      String(r.body),
      /^<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><UserId>u<\/UserId><Account>1<\/Account><Arn>arn<\/Arn><\/GetCallerIdentityResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId>/,
    );
  });

  it('rebuilds lists, nested structures and numbers from flat parameters', async () => {
    const body = [
      'Action=AssumeRole',
      'Version=2011-06-15',
      'RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr',
      'RoleSessionName=sess',
      'DurationSeconds=900',
      'PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Fa%2Bb',
      'Tags.member.1.Key=team',
      'Tags.member.1.Value=blue+green',
      'Tags.member.2.Key=env',
      'Tags.member.2.Value=dev',
    ].join('&');
    const r = await dispatch(queryReq(body), deps);
    assert.equal(r.status, 200, String(r.body));
    assert.deepEqual(seen.assumeRole, {
      RoleArn: 'arn:aws:iam::1:role/r',
      RoleSessionName: 'sess',
      DurationSeconds: 900,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/a+b' }],
      Tags: [
        { Key: 'team', Value: 'blue green' },
        { Key: 'env', Value: 'dev' },
      ],
    });
    assert.match(String(r.body), /<Expiration>2024-05-01T10:00:00.500Z<\/Expiration>/);
  });

  const cases: [string, RawRequest, number, string, RegExp][] = [
    ['an unknown action', queryReq('Action=Dance&Version=2011-06-15'), 400, 'InvalidAction', /Dance/],
    [
      'an unsigned request',
      queryReq('Action=GetCallerIdentity&Version=2011-06-15', false),
      403,
      'MissingAuthenticationToken',
      /Missing Authentication Token/,
    ],
    [
      'an unknown parameter',
      queryReq('Action=GetCallerIdentity&Version=2011-06-15&Colour=red'),
      400,
      'ValidationError',
      /'Colour'/,
    ],
    [
      'a non-number',
      queryReq(
        'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=sess&DurationSeconds=soon',
      ),
      400,
      'SerializationException',
      /'DurationSeconds' is not a valid integer/,
    ],
    [
      'a missing parameter',
      queryReq('Action=AssumeRole&Version=2011-06-15&RoleSessionName=sess'),
      400,
      'ValidationError',
      /Value null at 'RoleArn'/,
    ],
  ];
  for (const [name, req, status, code, message] of cases) {
    it(`answers ${name} with an XML ErrorResponse ${code} (${status})`, async () => {
      const r = await dispatch(req, deps);
      assert.equal(r.status, status);
      const body = String(r.body);
      assert.match(
        body,
        new RegExp(`^<ErrorResponse( xmlns="[^"]+")?><Error><Type>Sender</Type><Code>${code}</Code><Message>`),
      );
      assert.match(body, message);
      assert.match(body, /<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
    });
  }
});

describe('rest-json protocol', () => {
  it('routes by method and path template, binding labels', async () => {
    const r = await dispatch(restReq('GET', '/clusters/my%20cluster'), deps);
    assert.equal(r.status, 200);
    assert.deepEqual(json(r.body), { cluster: { name: 'my cluster', createdAt: 1714557600.5 } });
  });

  it('binds query string members with their types', async () => {
    const r = await dispatch(restReq('GET', '/clusters', 'maxResults=5&include=all&include=x'), deps);
    assert.equal(r.status, 200);
    assert.deepEqual(seen.eksList, { maxResults: 5, include: ['all', 'x'] });
  });

  it('reads the JSON body for the remaining members', async () => {
    const r = await dispatch(
      restReq(
        'POST',
        '/clusters',
        '',
        JSON.stringify({ name: 'c1', roleArn: 'arn:aws:iam::1:role/r', resourcesVpcConfig: { subnetIds: ['s'] } }),
      ),
      deps,
    );
    assert.equal(r.status, 200, String(r.body));
    assert.deepEqual(seen.eksCreate, {
      name: 'c1',
      roleArn: 'arn:aws:iam::1:role/r',
      resourcesVpcConfig: { subnetIds: ['s'] },
    });
  });

  it('answers an unknown route and bad input with typed errors', async () => {
    const unknown = await dispatch(restReq('PATCH', '/nowhere'), deps);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers['x-amzn-errortype'], 'UnknownOperationException');
    const bad = await dispatch(restReq('GET', '/clusters', 'maxResults=many'), deps);
    assert.equal(bad.status, 400);
    assert.equal(json(bad.body).__type, 'SerializationException');
    const notBuilt = await dispatch(restReq('DELETE', '/clusters/x'), deps);
    assert.equal(notBuilt.status, 501);
    assert.equal(notBuilt.headers['x-amzn-errortype'], 'NotImplemented');
  });
});
