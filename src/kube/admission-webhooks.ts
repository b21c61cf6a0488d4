import { BerthError, invalidParameter, uuid } from '../kernel/index.js';
import type { KubeDeps, UserInfo } from './deps.js';
import type { KindDef } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix } from './object.js';
import { jsonPatch } from './patch.js';
import { ENDPOINTS, SERVICE } from './service-kinds.js';
import {
  MUTATING_WEBHOOK_CONFIGURATION,
  VALIDATING_WEBHOOK_CONFIGURATION,
  webhooksOf,
  type Webhook,
} from './webhook-kinds.js';
import { conditionsHold, matches, requestFields, type AdmissionRequest } from './webhook-matching.js';

export type { UserInfo, WebhookClient } from './deps.js';
export type { AdmissionRequest } from './webhook-matching.js';

/**
 * Admission webhooks: on each write the API server sends an AdmissionReview to the webhooks whose
 * rules, namespace selector and object selector match it — the mutating ones one after another
 * (each may answer a JSON patch), then the validating ones — and refuses the write when one denies
 * it or, under failurePolicy Fail, cannot be reached. The HTTPS call goes through WebhookClient.
 */
const CONFIG_KINDS = [VALIDATING_WEBHOOK_CONFIGURATION.kind, MUTATING_WEBHOOK_CONFIGURATION.kind];

/** Whether any webhook of a kind is configured in the cluster (a write checks this first). */
function configured(deps: KubeDeps, cluster: string, kind: KindDef): KubeObject[] {
  return deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind }) }))
    .map((e) => e.value.object)
    .sort((a, b) => String(metaOf(a).name).localeCompare(String(metaOf(b).name)));
}

/** Where a webhook is reached: its URL, or its Service's ready endpoint (checked as `<svc>.<ns>.svc`). */
function targetOf(deps: KubeDeps, cluster: string, w: Webhook): { url: string; serverName?: string } {
  const cc = w.clientConfig;
  if (cc.url) return { url: cc.url };
  const s = cc.service as NonNullable<Webhook['clientConfig']['service']>;
  const read = (kind: KindDef) =>
    deps.store.read((tx) => tx.get(kubeObjects, objectKey({ cluster, kind, namespace: s.namespace }, s.name)))?.value
      .object;
  const svc = read(SERVICE);
  if (!svc) throw new Error(`service "${s.name}" not found`);
  const port = ((svc['spec'] as { ports?: { name?: string; port: number }[] }).ports ?? []).find(
    (p) => p.port === (s.port ?? 443),
  );
  if (!port) throw new Error(`service ${s.namespace}/${s.name} has no port ${s.port ?? 443}`);
  const subsets = (read(ENDPOINTS)?.['subsets'] ?? []) as {
    addresses?: { ip: string }[];
    ports?: { name?: string; port: number }[];
  }[];
  for (const sub of subsets) {
    const ep = (sub.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? ''));
    const ip = sub.addresses?.[0]?.ip;
    if (ep && ip) return { url: `https://${ip}:${ep.port}${s.path ?? ''}`, serverName: `${s.name}.${s.namespace}.svc` };
  }
  throw new Error(`no endpoints available for service "${s.name}"`);
}

/** A denial in the API server's words, with the code the webhook gave (400 when none). */
function denied(name: string, status: { code?: number; message?: string; reason?: string } | undefined): BerthError {
  const by = `admission webhook ${JSON.stringify(name)} denied the request`;
  const message = status?.message
    ? `${by}: ${status.message}`
    : status?.reason
      ? `${by}: ${status.reason}`
      : `${by} without explanation`;
  const code = status?.code ?? 400;
  if (code === 403 || code === 401) return new BerthError('AccessDenied', message);
  if (code === 404) return new BerthError('NotFound', message);
  if (code === 409) return new BerthError('Conflict', message);
  if (code === 422) return new BerthError('InvalidParameter', message);
  if (code >= 500) return new BerthError('Internal', message);
  return invalidParameter(message, { reason: 'malformed' });
}

interface Answer {
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string };
  patch?: string;
  patchType?: string;
  warnings?: string[];
}

/** One webhook's answer for a request, or the error its failure policy makes of a failed call. */
async function ask(deps: KubeDeps, cluster: string, w: Webhook, a: AdmissionRequest): Promise<Answer | undefined> {
  const uid = uuid();
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, ...requestFields(a), object: a.object ?? null, oldObject: a.oldObject ?? null },
  };
  const timeoutMs = (w.timeoutSeconds ?? 10) * 1000;
  let target: { url: string; serverName?: string } | undefined;
  try {
    target = targetOf(deps, cluster, w);
    if (!deps.webhooks) throw new Error('this server calls no webhooks');
    const caBundle = w.clientConfig.caBundle
      ? Buffer.from(w.clientConfig.caBundle, 'base64').toString('utf8')
      : undefined;
    const got = (await deps.webhooks.post(target.url, review, {
      ...(caBundle ? { caBundle } : {}),
      ...(target.serverName ? { serverName: target.serverName } : {}),
      timeoutMs,
    })) as { response?: Answer & { uid?: string } } | undefined;
    const r = got?.response;
    if (!r || typeof r.allowed !== 'boolean') throw new Error('webhook response was absent');
    if (r.uid !== uid)
      throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(r.uid ?? '')}`);
    return r;
  } catch (e) {
    if (w.failurePolicy === 'Ignore') {
      deps.logger?.warn({ webhook: w.name, err: String(e) }, 'admission webhook failed; ignored by its failure policy');
      return undefined;
    }
    const why = e instanceof Error ? e.message : String(e);
    const where = target
      ? `failed to call webhook: Post "${target.url}?timeout=${w.timeoutSeconds ?? 10}s": ${why}`
      : why;
    throw new BerthError(
      'Internal',
      `Internal error occurred: failed calling webhook ${JSON.stringify(w.name)}: ${where}`,
    );
  }
}

function hooks(deps: KubeDeps, cluster: string, kind: KindDef, a: AdmissionRequest): Webhook[] {
  if (a.kind.group === 'admissionregistration.k8s.io' && CONFIG_KINDS.includes(a.kind.kind)) return [];
  return configured(deps, cluster, kind).flatMap((c) => webhooksOf(c).filter((w) => matches(deps, cluster, w, a)));
}

/** Whether a write of this cluster has webhooks to ask at all (cheap: most clusters have none). */
export function anyWebhooks(deps: KubeDeps, cluster: string): boolean {
  return deps.store.read(
    (tx) =>
      tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: MUTATING_WEBHOOK_CONFIGURATION }), limit: 1 })
        .length +
        tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: VALIDATING_WEBHOOK_CONFIGURATION }), limit: 1 })
          .length >
      0,
  );
}

/** The mutating webhooks in turn: the object as they patched it, and their warnings. */
export async function mutateByWebhooks(
  deps: KubeDeps,
  cluster: string,
  a: AdmissionRequest,
): Promise<{ object: KubeObject | undefined; warnings: string[] }> {
  let object = a.object;
  const warnings: string[] = [];
  /** Each webhook asked, with the object as it left it (to know whether a later one changed it). */
  const asked: { w: Webhook; after: string }[] = [];
  const run = async (w: Webhook) => {
    const at = { ...a, ...(object ? { object } : {}) };
    // Its conditions see the object as the webhooks before it left it.
    if (!conditionsHold(w, at)) return;
    const r = await ask(deps, cluster, w, at);
    if (r) {
      warnings.push(...(r.warnings ?? []));
      if (!r.allowed) throw denied(w.name, r.status);
      if (r.patch && object) object = patched(w, object, r);
    }
    asked.push({ w, after: JSON.stringify(object) });
  };
  for (const w of hooks(deps, cluster, MUTATING_WEBHOOK_CONFIGURATION, a)) await run(w);
  // reinvocationPolicy IfNeeded: asked once more if a webhook after it changed the object.
  const last = JSON.stringify(object);
  for (const { w } of asked.filter((x) => x.w.reinvocationPolicy === 'IfNeeded' && x.after !== last)) await run(w);
  return { object, warnings };
}

/** A webhook's JSONPatch applied. */
function patched(w: Webhook, object: KubeObject, r: Answer): KubeObject {
  if (r.patchType !== 'JSONPatch')
    throw new BerthError(
      'Internal',
      `Internal error occurred: admission webhook ${JSON.stringify(w.name)} returned an unsupported patchType ${JSON.stringify(r.patchType ?? '')}`,
    );
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.from(r.patch ?? '', 'base64').toString('utf8'));
  } catch {
    throw new BerthError(
      'Internal',
      `Internal error occurred: admission webhook ${JSON.stringify(w.name)} returned a patch that is not JSON`,
    );
  }
  try {
    return jsonPatch(object, ops as never) as KubeObject;
  } catch (e) {
    throw new BerthError(
      'Internal',
      `Internal error occurred: admission webhook ${JSON.stringify(w.name)} returned a patch that does not apply: ${(e as Error).message}`,
    );
  }
}

/** The validating webhooks: their warnings, or the first denial. */
export async function validateByWebhooks(deps: KubeDeps, cluster: string, a: AdmissionRequest): Promise<string[]> {
  const answers = await Promise.all(
    hooks(deps, cluster, VALIDATING_WEBHOOK_CONFIGURATION, a)
      .filter((w) => conditionsHold(w, a))
      .map(async (w) => ({
        w,
        r: await ask(deps, cluster, w, a),
      })),
  );
  for (const { w, r } of answers) if (r && !r.allowed) throw denied(w.name, r.status);
  return answers.flatMap(({ r }) => r?.warnings ?? []);
}

/**
 * A CONNECT (a pod's exec, attach or portforward) shown to the webhooks before it is opened: its
 * options as the object (PodExecOptions, PodAttachOptions, PodPortForwardOptions); a mutating
 * webhook's patch has nothing to change, a denial refuses it.
 */
export async function admitConnect(
  deps: KubeDeps,
  cluster: string,
  c: { kind: KindDef; namespace: string; name: string; subResource: string; options: KubeObject; user?: UserInfo },
): Promise<void> {
  if (!anyWebhooks(deps, cluster)) return;
  const a: AdmissionRequest = {
    operation: 'CONNECT',
    kind: c.kind,
    subResource: c.subResource,
    namespace: c.namespace,
    name: c.name,
    object: c.options,
    dryRun: false,
    ...(c.user ? { user: c.user } : {}),
  };
  await mutateByWebhooks(deps, cluster, a);
  await validateByWebhooks(deps, cluster, a);
}
