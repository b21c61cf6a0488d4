import { createHash } from 'node:crypto';
import type { KindDef } from '../kube/index.js';
import { builtinSchema } from './openapi-schemas.js';

/**
 * OpenAPI v3 documents, one per group-version, listing the operations served. kubectl reads a
 * PATCH operation's `fieldValidation` parameter to learn that the server validates fields itself
 * (then it sends `fieldValidation=Strict` instead of validating on its side against OpenAPI v2).
 * The documents carry no schemas yet: `kubectl explain` does not work.
 */
const param = (name: string, description: string) => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string', uniqueItems: true },
});

const WRITE_PARAMS = [
  param('dryRun', 'When present, the modifications are not persisted. Valid value: All.'),
  param('fieldManager', 'A name for the actor making these changes.'),
  param('fieldValidation', 'Ignore, Warn or Strict: what to do with unknown or duplicate fields in the object.'),
];

function paths(k: KindDef): Record<string, unknown> {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  const collection = k.namespaced ? `${base}/namespaces/{namespace}/${k.plural}` : `${base}/${k.plural}`;
  const gvk = { 'x-kubernetes-group-version-kind': { group: k.group, version: k.version, kind: k.kind } };
  const op = (action: string, parameters: unknown[] = []) => ({
    operationId: `${action}${k.kind}`,
    parameters,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    ...gvk,
  });
  return {
    [collection]: { get: op('list'), post: op('post', WRITE_PARAMS) },
    [`${collection}/{name}`]: {
      get: op('get'),
      put: op('put', WRITE_PARAMS),
      patch: op('patch', [...WRITE_PARAMS, param('force', 'Force is going to "force" Apply requests.')]),
      delete: op('delete', [param('dryRun', 'When present, the modifications are not persisted.')]),
    },
  };
}

/**
 * A custom kind's schema as the API server publishes it (named by its reversed group), with the
 * type's fields and its group-version-kind, so `kubectl explain` finds and shows it.
 */
function customSchema(k: KindDef): [string, unknown][] {
  if (!k.custom || !k.openAPIV3Schema || typeof k.openAPIV3Schema !== 'object') return [];
  const schema = k.openAPIV3Schema as { properties?: Record<string, unknown> };
  const name = `${k.group.split('.').reverse().join('.')}.${k.version}.${k.kind}`;
  return [
    [
      name,
      {
        ...schema,
        type: 'object',
        properties: {
          apiVersion: {
            type: 'string',
            description: 'APIVersion defines the versioned schema of this representation of an object.',
          },
          kind: {
            type: 'string',
            description: 'Kind is a string value representing the REST resource this object represents.',
          },
          metadata: { type: 'object', description: "Standard object's metadata." },
          ...(schema.properties ?? {}),
        },
        'x-kubernetes-group-version-kind': [{ group: k.group, version: k.version, kind: k.kind }],
      },
    ],
  ];
}

/** Each group-version's path in the root document (`api/v1`, `apis/apps/v1`) and its document. */
function documents(kinds: readonly KindDef[]): Map<string, { text: string; hash: string }> {
  const byGv = new Map<string, KindDef[]>();
  for (const k of kinds) {
    const gv = k.group ? `apis/${k.group}/${k.version}` : `api/${k.version}`;
    byGv.set(gv, [...(byGv.get(gv) ?? []), k]);
  }
  const out = new Map<string, { text: string; hash: string }>();
  for (const [gv, kinds] of byGv) {
    const doc = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths: Object.assign({}, ...kinds.map(paths)) as Record<string, unknown>,
      components: { schemas: Object.fromEntries(kinds.flatMap((k) => [...customSchema(k), ...builtinSchema(k)])) },
    };
    const text = JSON.stringify(doc);
    out.set(gv, { text, hash: createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase() });
  }
  return out;
}

// Built once per set of kinds: berth's own, or a cluster's with its CRDs' (the last few kept).
const built = new Map<readonly KindDef[], Map<string, { text: string; hash: string }>>();
function docsOf(kinds: readonly KindDef[]) {
  let docs = built.get(kinds);
  if (!docs) {
    if (built.size > 8) built.clear();
    built.set(kinds, (docs = documents(kinds)));
  }
  return docs;
}

/** `/openapi/v3`: where each group-version's document is. */
export function openapiRoot(kinds: readonly KindDef[]): unknown {
  return {
    paths: Object.fromEntries(
      [...docsOf(kinds)].map(([gv, d]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${d.hash}` }]),
    ),
  };
}

/** `/openapi/v3/<group-version>`, as text, or undefined. */
export function openapiDocument(kinds: readonly KindDef[], gv: string): string | undefined {
  return docsOf(kinds).get(gv)?.text;
}

/**
 * `/openapi/v2`: a Swagger 2.0 document with no definitions. kubectl validates a `kind: List`
 * against it on its side; with no definition for a kind it skips the check (the server then
 * validates each object, as it does every other write). kubectl asks for gnostic's protobuf
 * (Document: swagger = 1, info = 2 {title = 1, version = 2}, paths = 8), others for JSON.
 */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

export function openapiV2(accept: string | undefined): { type: string; body: Buffer | string } {
  if (accept?.includes('application/com.github.proto-openapi.spec.v2')) {
    const field = (tag: number, bytes: Buffer) => Buffer.concat([Buffer.from([(tag << 3) | 2, bytes.length]), bytes]);
    const info = Buffer.concat([field(1, Buffer.from('Kubernetes')), field(2, Buffer.from('v1.32.0'))]);
    return {
      type: OPENAPI_V2_PROTOBUF,
      body: Buffer.concat([field(1, Buffer.from('2.0')), field(2, info), field(8, Buffer.alloc(0))]),
    };
  }
  return {
    type: 'application/json',
    body: JSON.stringify({
      swagger: '2.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths: {},
      definitions: {},
    }),
  };
}
