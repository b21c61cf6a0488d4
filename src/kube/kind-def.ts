import type { z } from 'zod';
import type { KubeObject } from './meta.js';
import type { Cause } from './names.js';
import type { ReadTx } from '../store/index.js';

/** A kind served: its names in the API, its schema, and what it checks beyond the schema. */
export interface KindDef {
  group: string;
  version: string;
  kind: string;
  /** The resource's path segment (`configmaps`). */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  schema: z.ZodType;
  /** What is wrong with a name of this kind, or undefined. */
  nameProblem(name: string): string | undefined;
  /** Checks of the whole object beyond its shape. */
  validate?(o: KubeObject): Cause[];
  /** Checks of an update against the object it replaces (immutable fields). */
  validateUpdate?(next: KubeObject, prev: KubeObject): Cause[];
  /** Fills in what the API server defaults and folds write-only fields in (a Secret's stringData). */
  normalize?(o: KubeObject): void;
  /** On create only, after normalize: what the API server's admission adds (a pod's default tolerations). */
  admit?(o: KubeObject): void;
  /** On update, before the checks: what the server set and the new body leaves out, kept (a Service's cluster IP). */
  keep?(next: KubeObject, prev: KubeObject): void;
  /** In the write's transaction: the object with what the server allocates for it (a copy), or an error. */
  allocate?(tx: ReadTx, scope: Scope, o: KubeObject): KubeObject;
  /** Another version of a resource stored as `storedAs`: objects converted on the way in and out. */
  storedAs?: KindDef;
  /** The stored object as this version shows it. */
  fromStored?(stored: KubeObject): KubeObject;
  /** A body of this version as stored (`prev`: the stored object it replaces, whose fields this version cannot say stay). */
  toStored?(body: KubeObject, prev?: KubeObject): KubeObject;
  /** Served by the face from elsewhere (the metrics API), not stored: get and list only. */
  virtual?: boolean;
  /** Whether status is its own subresource: a write of the object keeps the status it had. */
  keepsStatus?: boolean;
  /** Whether metadata.generation counts the changes of its spec (kinds with a controller). */
  generation?: boolean;
  /** Discovery's categories (`all`: what `kubectl get all` lists). */
  categories?: string[];
  /** How a strategic merge patch merges the kind's lists, by dotted path (metadata's always). */
  mergeKeys?: Readonly<Record<string, string>>;
  /** A kind a CustomResourceDefinition defines (custom-kinds.ts): its columns and checks are its own. */
  custom?: boolean;
  /** A custom kind's structural schema, as its CRD version gives it (published in OpenAPI for `kubectl explain`). */
  openAPIV3Schema?: unknown;
  /** A custom kind's scale subresource: where its replicas (wanted and had) and selector are. */
  scalePaths?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** A custom kind's additionalPrinterColumns (`kubectl get`'s columns besides the name). */
  printerColumns?: readonly PrinterColumn[];
  /** A custom kind's structural schema applied (defaults, pruning) and checked: the causes and unknown fields. */
  shape?(o: KubeObject): { causes: Cause[]; unknown: { parent: (string | number)[]; key: string }[] };
  /** A custom kind's x-kubernetes-validations (CEL) run on the shaped object, with the object it replaces. */
  rules?(o: KubeObject, prev: KubeObject | undefined): { causes: Cause[]; warnings: string[] };
  /** Fields a field selector may name besides metadata.name and metadata.namespace, with their value. */
  selectableFields?: Readonly<Record<string, (o: KubeObject) => string>>;
}

/** A column a CRD version adds to `kubectl get` (its value read by a simple JSONPath). */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** Where a resource's objects are: a cluster, a kind, and for a namespaced kind maybe one namespace. */
export interface Scope {
  cluster: string;
  kind: KindDef;
  /** Absent: every namespace (or a cluster-scoped kind). */
  namespace?: string;
}

/** The verbs of a kind stored and served whole (discovery lists them; kubectl reads them). */
export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
