// The resource a call acts on, as IAM names it in the service's authorization reference, and the
// tag keys a call carries (aws:RequestTag, aws:TagKeys). Calls that act on no one resource, or
// whose resource berth does not name yet, are authorized on `*`, as AWS does for actions
// without resource-level permissions.

type Input = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

interface Scope {
  region: string;
  account: string;
}

const arn = (s: Scope, service: string, resource: string, region = s.region) =>
  `arn:aws:${service}:${region}:${s.account}:${resource}`;

/** A name or ARN as an ARN: an ARN is taken as it is. */
const asArn = (v: string, make: (name: string) => string) => (v.startsWith('arn:') ? v : make(v));

function ecs(s: Scope, op: string, i: Input): string[] {
  const clusterName = (v: string | undefined) => (v ?? 'default').replace(/^arn:[^:]*:ecs:[^:]*:[^:]*:cluster\//, '');
  const cluster = (v?: string) => asArn(v ?? 'default', (n) => arn(s, 'ecs', `cluster/${n}`));
  const c = clusterName(str(i['cluster']));
  switch (op) {
    case 'RunTask':
    case 'StartTask': {
      const td = str(i['taskDefinition']) ?? '';
      return [asArn(td, (n) => arn(s, 'ecs', `task-definition/${n.includes(':') ? n : `${n}:*`}`))];
    }
    case 'CreateCluster':
      return [cluster(str(i['clusterName']))];
    case 'DeleteCluster':
    case 'UpdateCluster':
    case 'UpdateClusterSettings':
    case 'PutClusterCapacityProviders':
      return [cluster(str(i['cluster']))];
    case 'DescribeClusters': {
      const list = strs(i['clusters']);
      return (list.length ? list : ['default']).map((x) => cluster(x));
    }
    case 'CreateService':
      return [arn(s, 'ecs', `service/${c}/${str(i['serviceName']) ?? ''}`)];
    case 'UpdateService':
    case 'DeleteService':
      return [asArn(str(i['service']) ?? '', (n) => arn(s, 'ecs', `service/${c}/${n}`))];
    case 'DescribeServices':
      return strs(i['services']).map((x) => asArn(x, (n) => arn(s, 'ecs', `service/${c}/${n}`)));
    case 'DescribeTasks':
      return strs(i['tasks']).map((x) => asArn(x, (n) => arn(s, 'ecs', `task/${c}/${n}`)));
    case 'StopTask':
      return [asArn(str(i['task']) ?? '', (n) => arn(s, 'ecs', `task/${c}/${n}`))];
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsForResource':
      return [str(i['resourceArn']) ?? '*'];
    case 'ListTasks':
    case 'ListServices':
    case 'ListContainerInstances':
    case 'DescribeContainerInstances':
    case 'RegisterContainerInstance':
    case 'DeregisterContainerInstance':
    case 'UpdateContainerInstancesState':
    case 'ListServicesByNamespace':
      return [cluster(str(i['cluster']))];
    default:
      return ['*'];
  }
}

function ecr(s: Scope, _op: string, i: Input): string[] {
  const name = str(i['repositoryName']);
  if (name) return [arn(s, 'ecr', `repository/${name}`)];
  const list = strs(i['repositoryNames']);
  if (list.length) return list.map((n) => arn(s, 'ecr', `repository/${n}`));
  const resource = str(i['resourceArn']);
  return [resource ?? '*'];
}

function logs(s: Scope, _op: string, i: Input): string[] {
  const group = str(i['logGroupName']) ?? str(i['logGroupIdentifier']);
  if (!group) return [str(i['resourceArn']) ?? '*'];
  const g = asArn(group, (n) => arn(s, 'logs', `log-group:${n}`));
  const stream = str(i['logStreamName']);
  return [stream ? `${g.replace(/:\*$/, '')}:log-stream:${stream}` : g];
}

function ssm(s: Scope, _op: string, i: Input): string[] {
  const param = (n: string) =>
    asArn(n.split(':')[0] ?? n, (x) => arn(s, 'ssm', `parameter${x.startsWith('/') ? '' : '/'}${x}`));
  const name = str(i['Name']) ?? str(i['Path']) ?? str(i['ResourceId']);
  if (name) return [param(name)];
  const names = strs(i['Names']);
  return names.length ? names.map(param) : ['*'];
}

function secretsmanager(s: Scope, _op: string, i: Input): string[] {
  const secret = (n: string) => asArn(n, (x) => arn(s, 'secretsmanager', `secret:${x}`));
  const id = str(i['SecretId']) ?? str(i['Name']);
  if (id) return [secret(id)];
  const ids = strs(i['SecretIdList']);
  return ids.length ? ids.map(secret) : ['*'];
}

function iam(s: Scope, _op: string, i: Input): string[] {
  const global = (resource: string) => `arn:aws:iam::${s.account}:${resource}`;
  const role = str(i['RoleName']);
  if (role) return [global(`role/${role}`)];
  const user = str(i['UserName']);
  if (user) return [global(`user/${user}`)];
  const policy = str(i['PolicyArn']);
  if (policy) return [policy];
  const profile = str(i['InstanceProfileName']);
  return profile ? [global(`instance-profile/${profile}`)] : ['*'];
}

function sts(_s: Scope, op: string, i: Input): string[] {
  return op === 'AssumeRole' ? [str(i['RoleArn']) ?? '*'] : ['*'];
}

const BY_SERVICE: Record<string, (s: Scope, op: string, i: Input) => string[]> = {
  ecs,
  ecr,
  logs,
  ssm,
  secretsmanager,
  iam,
  sts,
};

export function resourcesOf(service: string, op: string, input: unknown, scope: Scope): string[] {
  const fn = Object.prototype.hasOwnProperty.call(BY_SERVICE, service) ? BY_SERVICE[service] : undefined;
  const list = fn && typeof input === 'object' && input !== null ? fn(scope, op, input as Input) : ['*'];
  return list.length ? list : ['*'];
}

/** The tags a call sets: ECS's `tags: [{key, value}]`, the others' `Tags: [{Key, Value}]` or a map. */
export function requestTags(input: unknown): [string, string][] {
  if (typeof input !== 'object' || input === null) return [];
  const i = input as Input;
  const list = Array.isArray(i['tags']) ? i['tags'] : Array.isArray(i['Tags']) ? i['Tags'] : undefined;
  if (list)
    return list.flatMap((t: unknown) => {
      if (typeof t !== 'object' || t === null) return [];
      const r = t as Input;
      const k = str(r['key']) ?? str(r['Key']);
      const v = r['value'] ?? r['Value'];
      return k ? [[k, typeof v === 'string' ? v : ''] as [string, string]] : [];
    });
  const map = i['tags'] ?? i['Tags'];
  if (typeof map === 'object' && map !== null)
    return Object.entries(map as Input).filter((e): e is [string, string] => typeof e[1] === 'string');
  return [];
}
