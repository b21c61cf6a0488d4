import { BerthError } from '../kernel/index.js';
import { mutateByWebhooks, validateByWebhooks, type AdmissionRequest } from './admission-webhooks.js';
import type { KubeDeps, WriteOptions, Written } from './deps.js';
import { kubeObjects, metaOf, missing, objectKey, served, type KubeObject, type Scope } from './object.js';
import { validateObject } from './write-rules.js';

/**
 * Writes where admission webhooks are configured: a new object shown to the mutating webhooks
 * (their patches applied, its identity kept), checked again, then to the validating ones; an
 * update worked out first, then shown to them the same way.
 */
type PlainUpdate = (
  deps: KubeDeps,
  scope: Scope,
  name: string,
  change: (current: KubeObject) => unknown,
  opts: WriteOptions,
) => Promise<Written>;

/** A new object (in stored form) as the webhooks leave it, and their warnings. */
export async function createWithWebhooks(
  deps: KubeDeps,
  scope: Scope,
  store: Scope,
  o: KubeObject,
  opts: WriteOptions,
): Promise<{ object: KubeObject; warnings: string[] }> {
  const a = requestOf(scope, 'CREATE', metaOf(o).name ?? '', opts);
  const m = await mutateByWebhooks(deps, scope.cluster, { ...a, object: served(scope.kind, o, 0) });
  const object = sameIdentity(store, m.object as KubeObject, o);
  validateObject(store.kind, object);
  const warnings = await validateByWebhooks(deps, scope.cluster, { ...a, object: served(scope.kind, object, 0) });
  return { object, warnings: [...m.warnings, ...warnings] };
}

/** A request's description for admission webhooks. */
function requestOf(scope: Scope, operation: 'CREATE' | 'UPDATE', name: string, opts: WriteOptions): AdmissionRequest {
  return {
    operation,
    kind: scope.kind,
    ...(opts.statusOnly ? { subResource: 'status' } : {}),
    ...(scope.namespace ? { namespace: scope.namespace } : {}),
    name,
    dryRun: opts.dryRun === true,
    ...(opts.user ? { user: opts.user } : {}),
  };
}

/** A webhook's patched object, in stored form, as the object it was: its name, namespace and uid are not a patch's to change. */
function sameIdentity(store: Scope, patched: KubeObject, was: KubeObject): KubeObject {
  const o = store.kind.toStored ? store.kind.toStored(patched) : patched;
  const m = metaOf(was);
  o['metadata'] = {
    ...metaOf(o),
    name: m.name,
    ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
    uid: m.uid,
    creationTimestamp: m.creationTimestamp,
  };
  store.kind.normalize?.(o);
  return o;
}

/**
 * An update where admission webhooks are configured: what the write would store is worked out
 * from the object as it is, shown to the webhooks (the mutating ones may patch it), then written
 * on condition that the object has not changed meanwhile (409 if it has: the writer tries again).
 */
export async function updateWithWebhooks(
  deps: KubeDeps,
  scope: Scope,
  name: string,
  change: (current: KubeObject) => unknown,
  opts: WriteOptions,
  /** The update itself, with no webhooks (objects.ts's). */
  updateObjectPlain: PlainUpdate,
): Promise<Written> {
  const plain = { ...opts, dryRun: true };
  let old: KubeObject | undefined;
  let dry: Written | undefined;
  // The object as it is and what the write makes of it, read at one revision.
  for (let i = 0; i < 5 && !dry; i++) {
    const e = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
    if (!e) throw missing(scope, name);
    old = served(scope.kind, e.value.object, e.modRevision);
    const d = await updateObjectPlain(deps, scope, name, change, plain);
    if (metaOf(d.object).resourceVersion === String(e.modRevision)) dry = d;
  }
  if (!dry || !old)
    throw new BerthError(
      'Conflict',
      `Operation cannot be fulfilled on ${scope.kind.plural} "${name}": the object keeps changing; please try again`,
      { resource: scope.kind.plural, name, group: scope.kind.group },
    );
  const rv = metaOf(old).resourceVersion ?? '';
  if (JSON.stringify(dry.object) === JSON.stringify(old)) return dry;
  const a = { ...requestOf(scope, 'UPDATE', name, opts), oldObject: old };
  const m = await mutateByWebhooks(deps, scope.cluster, { ...a, object: dry.object });
  const patched = m.object as KubeObject;
  const body = { ...patched, metadata: { ...metaOf(patched), name, resourceVersion: rv, uid: metaOf(old).uid } };
  const checked = await updateObjectPlain(deps, scope, name, () => body, plain);
  const warnings = [
    ...m.warnings,
    ...(await validateByWebhooks(deps, scope.cluster, { ...a, object: checked.object })),
  ];
  const w = await updateObjectPlain(deps, scope, name, () => body, opts);
  return { object: w.object, warnings: [...w.warnings, ...warnings] };
}
