import { z } from 'zod';
import { VERBS, type KindDef, type PrinterColumn } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { invalidValue, labelProblem, subdomainProblem, type Cause } from './names.js';
import type { Schema } from './openapi-schema.js';
import { schemaProblems } from './openapi-schema-rules.js';
import { typeMeta } from './schemas.js';

/**
 * CustomResourceDefinition (apiextensions.k8s.io/v1): a kind of the users' own, served under its
 * group and versions (custom-kinds.ts) once its names are accepted, which here is at once (the
 * status conditions NamesAccepted and Established, as clients wait for them). Conversion between
 * versions is None (the objects are the same but for apiVersion); webhooks are not served.
 */

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: object; scale?: NonNullable<KindDef['scalePaths']> };
  additionalPrinterColumns?: PrinterColumn[];
}

export interface CrdSpec {
  group: string;
  names: {
    plural: string;
    singular?: string;
    kind: string;
    listKind?: string;
    shortNames?: string[];
    categories?: string[];
  };
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
  conversion?: { strategy?: string };
}

/** The finalizer a CRD keeps while its objects are deleted (garbage-collector.ts). */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export const specOf = (o: KubeObject): CrdSpec => (o['spec'] ?? {}) as CrdSpec;

function versionCauses(v: unknown, i: number): Cause[] {
  const f = `spec.versions[${i}]`;
  if (!v || typeof v !== 'object') return [{ field: f, message: 'Invalid value: must be an object' }];
  const ver = v as CrdVersion;
  const causes: Cause[] = [];
  // A DNS-1035 label: an RFC 1123 label that starts with a letter.
  if (typeof ver.name !== 'string' || labelProblem(ver.name) || !/^[a-z]/.test(ver.name))
    causes.push(invalidValue(`${f}.name`, ver.name, 'a DNS-1035 label is required'));
  if (typeof ver.served !== 'boolean') causes.push({ field: `${f}.served`, message: 'Required value' });
  if (typeof ver.storage !== 'boolean') causes.push({ field: `${f}.storage`, message: 'Required value' });
  const schema = ver.schema?.openAPIV3Schema;
  if (schema === undefined)
    causes.push({ field: `${f}.schema.openAPIV3Schema`, message: 'Required value: schemas are required' });
  else {
    causes.push(...schemaProblems(schema, `${f}.schema.openAPIV3Schema`));
    if ((schema as { type?: unknown }).type !== 'object')
      causes.push({
        field: `${f}.schema.openAPIV3Schema.type`,
        message: 'Unsupported value: must be object at the root',
      });
  }
  const scale = ver.subresources?.scale;
  if (scale) {
    const under = (path: unknown, roots: string[], key: string) => {
      if (
        typeof path !== 'string' ||
        !/^(\.[A-Za-z0-9_-]+)+$/.test(path) ||
        !roots.some((r) => path.startsWith(`${r}.`))
      )
        causes.push(
          invalidValue(`${f}.subresources.scale.${key}`, path, `should be a json path under ${roots.join(' or ')}`),
        );
    };
    under(scale.specReplicasPath, ['.spec'], 'specReplicasPath');
    under(scale.statusReplicasPath, ['.status'], 'statusReplicasPath');
    if (scale.labelSelectorPath !== undefined)
      under(scale.labelSelectorPath, ['.spec', '.status'], 'labelSelectorPath');
  }
  for (const [j, c] of (ver.additionalPrinterColumns ?? []).entries())
    if (typeof c?.jsonPath !== 'string' || !c.jsonPath.startsWith('.'))
      causes.push(
        invalidValue(
          `${f}.additionalPrinterColumns[${j}].jsonPath`,
          c?.jsonPath,
          'must be a simple json path starting with .',
        ),
      );
  return causes;
}

function crdCauses(o: KubeObject): Cause[] {
  const s = specOf(o);
  const causes: Cause[] = [];
  if (typeof s.group !== 'string' || !s.group.includes('.') || subdomainProblem(s.group))
    causes.push(invalidValue('spec.group', s.group, 'should be a domain with at least one dot'));
  const n = s.names ?? ({} as CrdSpec['names']);
  for (const key of ['plural', 'singular'] as const) {
    const v = n[key];
    if (v !== undefined && (typeof v !== 'string' || labelProblem(v) || v !== v.toLowerCase()))
      causes.push(
        invalidValue(
          `spec.names.${key}`,
          v,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'",
        ),
      );
  }
  if (!n.plural) causes.push({ field: 'spec.names.plural', message: 'Required value' });
  if (typeof n.kind !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(n.kind))
    causes.push(
      n.kind
        ? invalidValue('spec.names.kind', n.kind, 'must be a valid Go identifier')
        : { field: 'spec.names.kind', message: 'Required value' },
    );
  const name = (o['metadata'] as { name?: string } | undefined)?.name;
  if (n.plural && s.group && name !== `${n.plural}.${s.group}`)
    causes.push(invalidValue('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (s.scope !== 'Namespaced' && s.scope !== 'Cluster')
    causes.push({
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(s.scope)}: supported values: "Cluster", "Namespaced"`,
    });
  if (!Array.isArray(s.versions) || s.versions.length === 0)
    causes.push({
      field: 'spec.versions',
      message: 'Invalid value: must have exactly one version marked as storage version',
    });
  else {
    s.versions.forEach((v, i) => causes.push(...versionCauses(v, i)));
    if (s.versions.filter((v) => v?.storage === true).length !== 1)
      causes.push({
        field: 'spec.versions',
        message: 'Invalid value: must have exactly one version marked as storage version',
      });
    const names = s.versions.map((v) => v?.name);
    if (new Set(names).size !== names.length)
      causes.push({ field: 'spec.versions', message: 'Invalid value: must contain unique version names' });
  }
  if (s.conversion?.strategy !== undefined && s.conversion.strategy !== 'None')
    causes.push({
      field: 'spec.conversion.strategy',
      message: 'Forbidden: Webhook conversion is not implemented in berth yet',
    });
  return causes;
}

export const CRD: KindDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  verbs: VERBS,
  categories: ['api-extensions'],
  schema: z.strictObject({
    ...typeMeta,
    spec: z.looseObject({}),
    status: z.looseObject({}).optional(),
  }),
  nameProblem: subdomainProblem,
  validate: crdCauses,
  validateUpdate(next, prev) {
    const a = specOf(next);
    const b = specOf(prev);
    const causes: Cause[] = [];
    if (a.group !== b.group) causes.push(invalidValue('spec.group', a.group, 'field is immutable'));
    if (a.scope !== b.scope) causes.push(invalidValue('spec.scope', a.scope, 'field is immutable'));
    return causes;
  },
  normalize(o) {
    const s = specOf(o);
    if (!s.names || typeof s.names !== 'object') return;
    if (typeof s.names.kind === 'string') {
      s.names.singular ??= s.names.kind.toLowerCase();
      s.names.listKind ??= `${s.names.kind}List`;
    }
    const meta = (o['metadata'] ?? {}) as {
      finalizers?: string[];
      creationTimestamp?: string;
      deletionTimestamp?: string;
    };
    // Its objects are deleted before it goes; the finalizer, once taken away for that, stays away.
    if (!meta.deletionTimestamp && !(meta.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER))
      meta.finalizers = [...(meta.finalizers ?? []), CRD_CLEANUP_FINALIZER];
    const at = meta.creationTimestamp ?? null;
    const storage = Array.isArray(s.versions) ? s.versions.find((v) => v?.storage)?.name : undefined;
    const was = (o['status'] ?? {}) as { storedVersions?: string[] };
    o['status'] = {
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          lastTransitionTime: at,
          reason: 'NoConflicts',
          message: 'no conflicts found',
        },
        {
          type: 'Established',
          status: 'True',
          lastTransitionTime: at,
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
        },
      ],
      acceptedNames: s.names,
      storedVersions: [...new Set([...(was.storedVersions ?? []), ...(storage ? [storage] : [])])],
    };
  },
};
