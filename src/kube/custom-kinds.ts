import { z } from 'zod';
import type { KubeDeps } from './deps.js';
import { CRD, specOf, type CrdSpec, type CrdVersion } from './crd-kind.js';
import { VERBS, type KindDef } from './kind-def.js';
import { kindFor, KINDS } from './kinds.js';
import { subdomainProblem } from './names.js';
import { kubeObjects, resourcePrefix, type KubeObject } from './object.js';
import { celCauses } from './cel-rules.js';
import { applySchema, type Schema } from './openapi-schema.js';
import { typeMeta } from './schemas.js';

/**
 * The kinds a cluster's CustomResourceDefinitions define, one per served version, beside the
 * kinds berth builds in (which win a clash of group, version and resource). A version that is not
 * the storage version is stored as it (conversion None: only apiVersion differs).
 */

// The body's own shape is the CRD's schema's (applied by `shape`); zod checks the metadata.
const CUSTOM_SCHEMA = z.looseObject(typeMeta);

function kindsOfCrd(spec: CrdSpec): KindDef[] {
  const storage = spec.versions.find((v) => v.storage) as CrdVersion;
  const make = (v: CrdVersion, storedAs?: KindDef): KindDef => {
    const schema = (v.schema?.openAPIV3Schema ?? { type: 'object' }) as Schema;
    const apiVersion = `${spec.group}/${v.name}`;
    return {
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      shortNames: spec.names.shortNames ?? [],
      verbs: VERBS,
      ...(spec.names.categories ? { categories: spec.names.categories } : {}),
      schema: CUSTOM_SCHEMA,
      nameProblem: subdomainProblem,
      shape: (o) => applySchema(schema, o),
      rules: (o, prev) => celCauses(schema, o, prev),
      openAPIV3Schema: schema,
      keepsStatus: Boolean(v.subresources?.status),
      ...(v.subresources?.scale ? { scalePaths: v.subresources.scale } : {}),
      generation: true,
      custom: true,
      ...(v.additionalPrinterColumns ? { printerColumns: v.additionalPrinterColumns } : {}),
      ...(storedAs
        ? {
            storedAs,
            fromStored: (o: KubeObject) => ({ ...o, apiVersion }),
            toStored: (o: KubeObject) => ({ ...o, apiVersion: `${spec.group}/${storage.name}` }),
          }
        : {}),
    };
  };
  const base = make(storage);
  return [
    ...(storage.served ? [base] : []),
    ...spec.versions.filter((v) => v !== storage && v.served).map((v) => make(v, base)),
  ];
}

interface Entry {
  revision: number;
  /** The CRDs' keys and revisions the kinds were built from. */
  from: string;
  kinds: KindDef[];
  all: readonly KindDef[];
}

const cache = new WeakMap<object, Map<string, Entry>>();

/** The custom kinds of a cluster, as its CRDs define them now (rebuilt when the store has moved on). */
export function customKinds(deps: KubeDeps, cluster: string): KindDef[] {
  return entryOf(deps, cluster).kinds;
}

function entryOf(deps: KubeDeps, cluster: string): Entry {
  const revision = deps.store.revision();
  let byCluster = cache.get(deps.store);
  if (!byCluster) cache.set(deps.store, (byCluster = new Map()));
  const hit = byCluster.get(cluster);
  if (hit && hit.revision === revision) return hit;
  const crds = deps.store.read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: CRD }) }));
  const from = crds.map((e) => `${e.key}@${e.modRevision}`).join(' ');
  // Unchanged CRDs keep the same kinds and list (what the OpenAPI documents are cached by).
  if (hit && hit.from === from) {
    hit.revision = revision;
    return hit;
  }
  const kinds: KindDef[] = [];
  for (const e of crds) {
    const spec = specOf(e.value.object);
    if (!Array.isArray(spec.versions) || !spec.versions.some((v) => v.storage)) continue;
    for (const k of kindsOfCrd(spec)) if (!kindFor(k.group, k.version, k.plural)) kinds.push(k);
  }
  const entry = { revision, from, kinds, all: kinds.length ? [...KINDS, ...kinds] : KINDS };
  byCluster.set(cluster, entry);
  return entry;
}

/** Every kind a cluster serves: berth's own, then its CRDs'. */
export function kindsOf(deps: KubeDeps, cluster: string): readonly KindDef[] {
  return entryOf(deps, cluster).all;
}

/** The kind a group, version and resource name (plural) name in a cluster, if served. */
export function findKind(deps: KubeDeps, cluster: string, group: string, version: string, plural: string) {
  return kindFor(group, version, plural, kindsOf(deps, cluster));
}
