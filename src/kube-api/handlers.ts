import { BerthError, invalidParameter } from '../kernel/index.js';
import {
  applyObject,
  createObject,
  deleteObject,
  deleteOptionsSchema,
  getObject,
  jsonPatch,
  listObjects,
  mergePatch,
  META_MERGE_KEYS,
  strategicMergePatch,
  updateObject,
  type DeleteOptions,
  type FieldValidation,
  type KindDef,
  type KubeDeps,
  type KubeObject,
  type Scope,
  type WriteOptions,
} from '../kube/index.js';
import { decodeJson, decodeYamlOrJson } from './body.js';
import { applierOf, writerOf } from './field-manager.js';
import { decodeProtobuf } from './protobuf.js';

/** One API request, as the handlers need it: verb, target, query, body and media types. */
export interface KubeRequest {
  method: string;
  query: URLSearchParams;
  body: Buffer | undefined;
  contentType: string;
  userAgent?: string;
  /** What refuses a write beyond its checks (RBAC's escalation check, with --auth strict). */
  guard?: WriteOptions['guard'];
  /** Who asks (what admission webhooks are told). */
  user?: WriteOptions['user'];
}

export interface KubeAnswer {
  code: number;
  body: unknown;
  warnings?: string[];
}

const bad = (message: string) => invalidParameter(message, { reason: 'malformed' });

export function writeOptions(q: URLSearchParams): { dryRun: boolean; fieldValidation: FieldValidation } {
  const dryRun = q.getAll('dryRun');
  for (const d of dryRun) if (d !== 'All') throw bad(`Invalid dryRun value: "${d}"; the only valid value is "All"`);
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore')
    throw bad(`fieldValidation: Invalid value: "${fv}": must be one of Ignore, Warn, or Strict`);
  return { dryRun: dryRun.length > 0, fieldValidation: fv };
}

/** A create's, update's or patch's options with its writer for managedFields (named by its verb's options kind). */
export function writeBy(r: KubeRequest, subresource?: string): WriteOptions {
  const kind = r.method === 'POST' ? 'CreateOptions' : r.method === 'PUT' ? 'UpdateOptions' : 'PatchOptions';
  const manager = writerOf(r.query, r.userAgent, kind, subresource);
  return {
    ...writeOptions(r.query),
    ...(manager ? { manager } : {}),
    ...(r.guard ? { guard: r.guard } : {}),
    ...(r.user ? { user: r.user } : {}),
  };
}

export function listOf(kind: KindDef, r: ReturnType<typeof listObjects>): unknown {
  return {
    kind: `${kind.kind}List`,
    apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version,
    metadata: {
      resourceVersion: r.resourceVersion,
      ...(r.continue ? { continue: r.continue } : {}),
      ...(r.remainingItemCount !== undefined ? { remainingItemCount: r.remainingItemCount } : {}),
    },
    items: r.items,
  };
}

export function listQuery(q: URLSearchParams) {
  const limit = q.get('limit');
  if (limit !== null && !/^\d{1,9}$/.test(limit))
    throw bad(`limit: Invalid value: "${limit}": must be a non-negative integer`);
  return {
    ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector') as string } : {}),
    ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector') as string } : {}),
    ...(limit ? { limit: Number(limit) } : {}),
    ...(q.get('continue') ? { continue: q.get('continue') as string } : {}),
  };
}

/** The patch a PATCH request's media type names, applied to the object as it is now. */
function patcher(scope: Scope, contentType: string, body: Buffer | undefined): (current: KubeObject) => unknown {
  if (contentType === 'application/apply-patch+cbor')
    throw new BerthError('NotImplemented', 'server-side apply in CBOR is not implemented in berth yet', {
      reason: 'unsupported-media-type',
    });
  const patch = decodeJson(body);
  switch (contentType) {
    case 'application/merge-patch+json':
      return (current) => mergePatch(current, patch);
    case 'application/json-patch+json':
      return (current) => jsonPatch(current, patch);
    case 'application/strategic-merge-patch+json':
      return (current) => strategicMergePatch(current, patch, { ...META_MERGE_KEYS, ...(scope.kind.mergeKeys ?? {}) });
    default:
      throw new BerthError(
        'InvalidParameter',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        { reason: 'unsupported-media-type' },
      );
  }
}

/** A request's body as an object: JSON, or protobuf as kubectl's typed clients send it; another media type is refused (415). */
export function jsonBody(r: KubeRequest): unknown {
  if (r.contentType === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(r.body);
  if (r.contentType && r.contentType !== 'application/json' && r.contentType !== '*/*')
    throw new BerthError(
      'InvalidParameter',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf`,
      { reason: 'unsupported-media-type' },
    );
  return decodeJson(r.body);
}

function deleteOptions(r: KubeRequest): DeleteOptions {
  const q = r.query;
  let o: DeleteOptions = {};
  if (r.body && r.body.length) {
    const parsed = deleteOptionsSchema.safeParse(decodeJson(r.body));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw bad(`invalid DeleteOptions: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
    }
    o = parsed.data;
  }
  const policy = q.get('propagationPolicy');
  if (policy) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground')
      throw bad(
        `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      );
    o = { ...o, propagationPolicy: policy };
  }
  if (writeOptions(q).dryRun) o = { ...o, dryRun: ['All'] };
  return o;
}

/** A collection's POST (create); GET is a list or a watch and is answered by the plugin. */
export async function createIn(deps: KubeDeps, scope: Scope, r: KubeRequest): Promise<KubeAnswer> {
  const options = writeBy(r);
  const w = await createObject(deps, scope, jsonBody(r), options);
  return { code: 201, body: w.object, warnings: w.warnings };
}

/**
 * A collection's DELETE (deletecollection): each object the selectors pick deleted as a DELETE of
 * it would be, answered with the list of what was deleted (or marked for deletion).
 */
export async function deleteCollection(deps: KubeDeps, scope: Scope, r: KubeRequest): Promise<KubeAnswer> {
  if (scope.kind.namespaced && scope.namespace === undefined)
    throw new BerthError('NotImplemented', 'the server does not allow this method on the requested resource', {
      reason: 'method-not-allowed',
    });
  const options = deleteOptions(r);
  const { limit: _limit, continue: _continue, ...query } = listQuery(r.query);
  const list = listObjects(deps, scope, query);
  const items: KubeObject[] = [];
  for (const o of list.items) {
    const name = (o['metadata'] as { name?: string } | undefined)?.name ?? '';
    try {
      items.push((await deleteObject(deps, scope, name, options, r.user)).object);
    } catch (e) {
      // Gone meanwhile (a controller, another client): not this delete's to report.
      if (!(e instanceof BerthError && e.kind === 'NotFound')) throw e;
    }
  }
  return {
    code: 200,
    body: listOf(scope.kind, { ...list, items, continue: undefined, remainingItemCount: undefined }),
  };
}

/** A status subresource's PUT or PATCH: the object's status written, nothing else. */
export async function statusVerb(deps: KubeDeps, scope: Scope, name: string, r: KubeRequest): Promise<KubeAnswer> {
  const put = r.method === 'PUT';
  const options = writeBy(r, 'status');
  const body = put ? jsonBody(r) : undefined;
  const change = put ? () => body : patcher(scope, r.contentType, r.body);
  const w = await updateObject(deps, scope, name, change, { ...options, statusOnly: true });
  return { code: 200, body: w.object, warnings: w.warnings };
}

/** An item's GET, PUT, PATCH and DELETE. */
export async function itemVerb(deps: KubeDeps, scope: Scope, name: string, r: KubeRequest): Promise<KubeAnswer> {
  switch (r.method) {
    case 'GET':
      return { code: 200, body: getObject(deps, scope, name) };
    case 'PUT': {
      const options = writeBy(r);
      const body = jsonBody(r);
      const w = await updateObject(deps, scope, name, () => body, options);
      return { code: 200, body: w.object, warnings: w.warnings };
    }
    case 'PATCH': {
      if (r.contentType === 'application/apply-patch+yaml') {
        const w = await applyObject(deps, scope, name, decodeYamlOrJson(r.body), {
          ...writeOptions(r.query),
          ...applierOf(r.query),
          ...(r.guard ? { guard: r.guard } : {}),
          ...(r.user ? { user: r.user } : {}),
        });
        return { code: w.created ? 201 : 200, body: w.object, warnings: w.warnings };
      }
      const options = writeBy(r);
      const change = patcher(scope, r.contentType, r.body);
      const w = await updateObject(deps, scope, name, change, options);
      return { code: 200, body: w.object, warnings: w.warnings };
    }
    case 'DELETE': {
      const d = await deleteObject(deps, scope, name, deleteOptions(r), r.user);
      const warnings = d.warnings ? { warnings: d.warnings } : {};
      if (!d.gone) return { code: 200, body: d.object, ...warnings };
      const k = scope.kind;
      return {
        ...warnings,
        code: 200,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: {
            name,
            group: k.group,
            kind: k.plural,
            uid: (d.object['metadata'] as { uid?: string } | undefined)?.uid ?? '',
          },
        },
      };
    }
    default:
      throw new BerthError('NotImplemented', `the server does not allow this method on the requested resource`, {
        reason: 'method-not-allowed',
      });
  }
}
