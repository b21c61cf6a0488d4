import { findSecret, readParameterValue, readSecretRef } from '../iam/index.js';
import type { ReadTx } from '../store/index.js';
import type { TaskSpec } from '../wire/index.js';
import { taskDefinitionOfArn } from './arns.js';
import { EXECUTION_RESOURCES_FAILED, imagePullRefusal, isSecretsManager, secretsRefusal } from './execution-role.js';
import type { ControlPlaneDeps } from './deps.js';
import {
  FLEET,
  liveTaskKey,
  liveTasks,
  tasks,
  taskDefinitionKey,
  taskDefinitions,
  workloads,
  type TaskRecord,
} from './tables.js';
import { ecsWorkload } from './tasks/ecs-workload.js';

// What a host runs and reports on, read from the index of live tasks per host (see put-task.ts).

/**
 * What an agent runs for one task: the neutral workload made when the task was (older tasks: made
 * now from their definition), with the task's desired status and stop grace as they are now.
 */
export function specFor(deps: ControlPlaneDeps, tx: ReadTx, t: TaskRecord): TaskSpec | undefined {
  let spec = tx.get(workloads, `${t.cluster}/${t.id}`)?.value.spec;
  if (!spec) {
    const { family, revision } = taskDefinitionOfArn(t.taskDefinitionArn);
    const td = tx.get(taskDefinitions, taskDefinitionKey(family, revision))?.value;
    spec = td ? ecsWorkload(t, td) : undefined;
  }
  // An older task whose definition is gone has nothing a host could run.
  if (!spec) return undefined;
  const { stopGraceMs: _, ...sandbox } = spec.sandbox;
  const sent: TaskSpec = {
    ...spec,
    desired: t.desiredStatus === 'RUNNING' ? 'running' : 'stopped',
    sandbox: { ...sandbox, ...(t.stopGraceMs !== undefined ? { stopGraceMs: t.stopGraceMs } : {}) },
  };
  // An image the execution role may not pull: the workload cannot start, and gets no secret.
  const pull = imagePullRefusal(
    deps,
    tx,
    t,
    spec.containers.map((c) => c.image),
  );
  if (pull) return { ...sent, cannotPull: pull };
  return withSecrets(deps, tx, t, sent);
}

/**
 * The spec as a host receives it: each container's secretEnv with its values from the parameter
 * store, and its imageAuth with the registry credentials a Secrets Manager secret holds. Resolved
 * at every send and never stored, so values stay sealed at rest. A reference that names nothing
 * usable makes the workload one that cannot start, naming what is missing.
 */
function withSecrets(deps: ControlPlaneDeps, tx: ReadTx, t: TaskRecord, spec: TaskSpec): TaskSpec {
  if (spec.containers.every((c) => (c.secretEnv ?? []).length === 0 && !c.imageAuth)) return spec;
  // Each repositoryCredentials secret's ARN, looked up once for the check and the read.
  const authArns = new Map(
    spec.containers.flatMap((c) =>
      c.imageAuth ? [[c.imageAuth.from, secretArn(deps, tx, c.imageAuth.from)] as const] : [],
    ),
  );
  const authRef = (from: string) => authArns.get(from) as string;
  // In strict mode, as the execution role: refused, the workload gets no secret and cannot start.
  const refused = secretsRefusal(
    deps,
    tx,
    t,
    spec.containers.flatMap((c) => [
      ...(c.secretEnv ?? []).map((s) => s.from),
      ...(c.imageAuth ? [authRef(c.imageAuth.from)] : []),
    ]),
  );
  // (The spec as stored carries references only, so nothing is handed over.)
  if (refused) return { ...spec, cannotPull: `${EXECUTION_RESOURCES_FAILED} ${refused}` };
  const missing: string[] = [];
  let asmFailure: string | undefined;
  const containers = spec.containers.map((c) => {
    let imageAuth = c.imageAuth;
    if (imageAuth && deps.sealer) {
      const r = registryCredentials({ ...deps, sealer: deps.sealer }, tx, authRef(imageAuth.from));
      if ('error' in r) asmFailure ??= r.error;
      else imageAuth = { from: imageAuth.from, ...r };
    } else if (imageAuth) missing.push(imageAuth.from);
    return {
      ...c,
      ...(imageAuth ? { imageAuth } : {}),
      secretEnv: (c.secretEnv ?? []).map((s) => {
        let value: string | undefined;
        if (!deps.sealer) missing.push(s.from);
        else if (isSecretsManager(s.from)) {
          const r = readSecretRef({ ...deps, sealer: deps.sealer }, tx, s.from);
          if ('value' in r) value = r.value;
          else asmFailure ??= r.error;
        } else {
          value = readParameterValue(tx, deps.sealer, s.from);
          if (value === undefined) missing.push(s.from);
        }
        return { name: s.name, from: s.from, ...(value !== undefined ? { value } : {}) };
      }),
    };
  });
  if (missing.length === 0 && asmFailure === undefined) return { ...spec, containers };
  // Nothing of a secret that was found goes to a workload that will not start.
  const why =
    missing.length > 0
      ? `unable to retrieve secrets from ssm: invalid parameters: ${[...new Set(missing)].join(', ')}`
      : `unable to retrieve secret from asm: ${asmFailure as string}`;
  return { ...spec, cannotPull: `${EXECUTION_RESOURCES_FAILED} ${why}` };
}

/**
 * A secret named by its ARN or, in the task's own region, by its name (as repositoryCredentials
 * allows): a name is taken as the secret's full ARN, the resource IAM policies name.
 */
function secretArn(deps: ControlPlaneDeps, tx: ReadTx, ref: string): string {
  if (isSecretsManager(ref)) return ref;
  const partial = `arn:aws:secretsmanager:${deps.region}:${deps.accountId}:secret:${ref}`;
  return (deps.sealer && findSecret({ ...deps, sealer: deps.sealer }, tx, partial)?.arn) || partial;
}

/**
 * A private registry's credentials: a secret whose value is JSON with `username` and `password`,
 * as ECS documents for repositoryCredentials.
 */
function registryCredentials(
  deps: Parameters<typeof readSecretRef>[0],
  tx: ReadTx,
  arn: string,
): { username: string; password: string } | { error: string } {
  const r = readSecretRef(deps, tx, arn);
  if ('error' in r) return r;
  let doc: unknown;
  try {
    doc = JSON.parse(r.value);
  } catch {
    doc = undefined;
  }
  // Own keys only: a crafted value (`__proto__`) supplies nothing it does not hold.
  const field = (k: string) =>
    typeof doc === 'object' && doc !== null && Object.hasOwn(doc, k) ? (doc as Record<string, unknown>)[k] : undefined;
  const username = field('username');
  const password = field('password');
  if (typeof username !== 'string' || typeof password !== 'string' || username === '')
    return {
      error: `secret ${arn} holds no registry credentials: its value must be JSON with "username" and "password"`,
    };
  return { username, password };
}

/**
 * The task specs a host should be running (or stopping), from the store: those placed on it as a
 * container instance of `cluster`, and, when it serves the Fargate fleet, those placed on it there.
 */
export function desiredTasks(
  deps: ControlPlaneDeps,
  cluster: string | undefined,
  instanceId: string,
  fleet = false,
): TaskSpec[] {
  return deps.store.read((tx) => {
    const prefixes = [...(cluster ? [`${cluster}/${instanceId}/`] : []), ...(fleet ? [`${FLEET}/${instanceId}/`] : [])];
    return prefixes
      .flatMap((prefix) => tx.list(liveTasks, { prefix }))
      .map((e) => tx.get(tasks, `${e.value.taskCluster ?? e.value.cluster}/${e.value.taskId}`)?.value)
      .filter((t): t is TaskRecord => t !== undefined)
      .map((t) => specFor(deps, tx, t))
      .filter((s): s is TaskSpec => s !== undefined);
  });
}

/**
 * Where a task this host reports on is placed, found in the host's index of live tasks (so an
 * agent need not know which cluster a workload belongs to): the task's cluster, and whether it
 * sits here as a fleet host. Undefined when the task is not live here.
 */
export function placedHere(
  deps: ControlPlaneDeps,
  host: { cluster?: string; id: string; fleet: boolean },
  taskId: string,
): { cluster: string; fleet: boolean } | undefined {
  return deps.store.read((tx) => {
    if (host.cluster && tx.get(liveTasks, liveTaskKey({ cluster: host.cluster, instanceId: host.id, taskId }))) {
      return { cluster: host.cluster, fleet: false };
    }
    if (!host.fleet) return undefined;
    // Under a fleet host a task's key carries its cluster: `~fargate/<host>/<cluster>/<task>`.
    for (const e of tx.list(liveTasks, { prefix: `${FLEET}/${host.id}/` })) {
      if (e.value.taskId === taskId && e.value.taskCluster) return { cluster: e.value.taskCluster, fleet: true };
    }
    return undefined;
  });
}
