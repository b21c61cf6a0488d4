import { randomInt } from 'node:crypto';
import { BerthError, invalidParameter, uuid } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { apiVersionOf, type Cause, type KindDef } from './kinds.js';
import { invalidObject, invalidValue, labelValueProblem, qualifiedNameProblem } from './names.js';
import { metaOf, type KubeObject, type ObjectMeta, type Scope } from './object.js';

/** What every write checks and fills in, whatever its verb: the rules of ObjectMeta. */

const badRequest = (message: string) => invalidParameter(message, { reason: 'malformed' });

/** The body is an object of this kind and version, in this namespace (or says none). */
export function checkTypeAndPlace(scope: Scope, o: unknown): asserts o is KubeObject {
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw badRequest('the request body must be a JSON object');
  const k = scope.kind;
  const body = o as KubeObject;
  const apiVersion = body['apiVersion'];
  if (apiVersion !== undefined && apiVersion !== apiVersionOf(k))
    throw badRequest(
      `the API version in the data (${String(apiVersion)}) does not match the expected API version (${apiVersionOf(k)})`,
    );
  if (body['kind'] !== undefined && body['kind'] !== k.kind)
    throw badRequest(`the kind in the data (${String(body['kind'])}) does not match the expected kind (${k.kind})`);
  const meta = body['metadata'];
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta)))
    throw badRequest('metadata must be an object');
  const ns = (meta as ObjectMeta | undefined)?.namespace;
  if (k.namespaced && ns && scope.namespace !== undefined && ns !== scope.namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (!k.namespaced && ns) throw badRequest(`a ${k.kind} is not namespaced: metadata.namespace must be empty`);
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** A name from generateName: its prefix (cut to fit) and five random characters, as the API server makes them. */
export function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_CHARS[randomInt(NAME_CHARS.length)];
  return `${prefix.slice(0, 58)}${suffix}`;
}

function mapCauses(field: string, m: Record<string, string> | null | undefined, values: boolean): Cause[] {
  const causes: Cause[] = [];
  let bytes = 0;
  for (const [k, v] of Object.entries(m ?? {})) {
    const kp = qualifiedNameProblem(k);
    if (kp) causes.push(invalidValue(field, k, kp));
    if (values) {
      const vp = labelValueProblem(v);
      if (vp) causes.push(invalidValue(`${field}`, v, vp));
    }
    bytes += k.length + v.length;
  }
  if (!values && bytes > 256 * 1024) causes.push({ field, message: `Too long: must have at most ${256 * 1024} bytes` });
  return causes;
}

/** Name, labels, annotations, finalizers and owner references, and the kind's own checks. */
export function validateObject(k: KindDef, o: KubeObject): void {
  const meta = metaOf(o);
  const name = meta.name ?? '';
  const causes: Cause[] = [];
  if (!name) causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else {
    const p = k.nameProblem(name);
    if (p) causes.push(invalidValue('metadata.name', name, p));
  }
  causes.push(...mapCauses('metadata.labels', meta.labels, true));
  causes.push(...mapCauses('metadata.annotations', meta.annotations, false));
  for (const f of meta.finalizers ?? []) {
    const p = qualifiedNameProblem(f);
    if (p) causes.push(invalidValue('metadata.finalizers', f, p));
  }
  causes.push(...(k.validate?.(o) ?? []));
  if (causes.length) throw invalidObject(k.kind, name, causes, k.group);
}

/** The object with its kind's apiVersion and kind, and none of the fields the server derives (resourceVersion) or does not keep (managedFields are settled apart: managed-fields.ts). */
function withServerFields(k: KindDef, o: KubeObject, meta: ObjectMeta): KubeObject {
  delete meta.resourceVersion;
  delete (meta as { selfLink?: string }).selfLink;
  return { ...o, apiVersion: apiVersionOf(k), kind: k.kind, metadata: meta };
}

/** A new object's metadata: the server's fields set, the client's copies of them dropped. */
export function newObject(deps: KubeDeps, scope: Scope, o: KubeObject): KubeObject {
  const k = scope.kind;
  const meta: ObjectMeta = { ...metaOf(o) };
  if (!meta.name && meta.generateName) meta.name = generatedName(meta.generateName);
  if (k.namespaced) meta.namespace = scope.namespace as string;
  meta.uid = uuid();
  meta.creationTimestamp = timestamp(deps);
  if (k.generation) meta.generation = 1;
  else delete meta.generation;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  const out = withServerFields(k, o, meta);
  // A status is the server's to write (its subresource): what a new object says of it is dropped.
  if (k.keepsStatus) delete out['status'];
  k.normalize?.(out);
  k.admit?.(out);
  return out;
}

/** An update's object: what the server owns (uid, creation, deletion) kept from the one it replaces. */
export function updatedObject(scope: Scope, next: KubeObject, prev: KubeObject): KubeObject {
  const k = scope.kind;
  const was = metaOf(prev);
  const meta: ObjectMeta = { ...metaOf(next) };
  if (meta.uid && meta.uid !== was.uid)
    throw new BerthError(
      'Conflict',
      `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${was.uid}`,
      {
        resource: k.plural,
        name: was.name ?? '',
      },
    );
  meta.uid = was.uid as string;
  meta.creationTimestamp = was.creationTimestamp ?? null;

  if (k.namespaced) meta.namespace = was.namespace as string;
  if (was.deletionTimestamp) {
    meta.deletionTimestamp = was.deletionTimestamp;
    if (was.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = was.deletionGracePeriodSeconds;
  } else {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  const out = withServerFields(k, next, meta);
  k.keep?.(out, prev);
  k.normalize?.(out);
  // generation counts the spec's changes, defaults applied (metadata changes do not make a new one).
  if (k.generation)
    meta.generation =
      (was.generation ?? 1) + (JSON.stringify(out['spec'] ?? null) === JSON.stringify(prev['spec'] ?? null) ? 0 : 1);
  else delete meta.generation;
  const causes = k.validateUpdate?.(out, prev) ?? [];
  if (causes.length) throw invalidObject(k.kind, meta.name ?? '', causes, k.group);
  return out;
}

/** RFC 3339 to the second, as metav1.Time is written. */
export function timestamp(deps: KubeDeps): string {
  return rfc3339(deps.clock.now().getTime());
}

/** A time (ms) in RFC 3339 to the second, as metav1.Time is written. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
