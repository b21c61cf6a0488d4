/**
 * The one error taxonomy of berth. Domain code throws these; each wire format
 * (AWS JSON/query, OCI distribution, later Kubernetes Status) maps them once at its edge.
 */
export type ErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidParameter'
  | 'Conflict'
  | 'LimitExceeded'
  | 'AccessDenied'
  | 'Unavailable'
  | 'NotImplemented'
  | 'Internal';

export interface ErrorDetail {
  /** The request field at fault, in the dotted path the user wrote (`containerDefinitions[0].name`). */
  field?: string;
  /** The kind of resource involved (`cluster`, `repository`, …), so the edge can pick a precise code. */
  resource?: string;
  /** Why, in the domain's words, where the kind alone does not say it; each face maps it to its codes. */
  reason?: ErrorReason;
  /** The resource's name, where the face's error names it apart from the message (Kubernetes' Status details). */
  name?: string;
  /** The resource's API group, where the face names it (Kubernetes: '' for the core group). */
  group?: string;
  /** Each field at fault and what is wrong with it, where there are several (Kubernetes' causes). */
  causes?: { field: string; message: string; reason?: string }[];
}

/**
 * The domain's reasons. They name what went wrong, never a wire code: the ECS, ECR, CloudWatch
 * Logs and OCI faces each turn them into their own codes in one table (`ecs-service.ts`,
 * `ecr-service.ts`, `logs-service.ts`, `registry/http/oci-errors.ts`).
 */
export type ErrorReason =
  // blobs and uploads
  | 'digest-invalid'
  | 'too-large'
  | 'range-invalid'
  | 'upload-invalid'
  | 'upload-empty'
  | 'layer-part-invalid'
  | 'layer-invalid'
  | 'layer-exists'
  // repositories, manifests, images
  | 'name-invalid'
  | 'tag-invalid'
  | 'manifest-invalid'
  | 'manifest-blob-unknown'
  | 'referenced-by-index'
  | 'digest-tag-missing'
  | 'digest-tag-mismatch'
  | 'not-empty'
  | 'too-many-tags'
  // ECS
  | 'token-reused'
  | 'definition-invalid'
  | 'in-use'
  | 'has-instances'
  | 'has-services'
  | 'has-tasks'
  | 'not-in-progress'
  // SSM parameters
  | 'pattern-invalid'
  | 'pattern-mismatch'
  | 'max-versions'
  | 'too-many-labels'
  | 'filter-key'
  | 'filter-option'
  | 'filter-value'
  // Secrets Manager
  | 'scheduled-for-deletion'
  // IAM
  | 'policy-malformed'
  | 'delete-conflict'
  // CloudWatch metrics
  | 'parameter-combination'
  // load balancers
  | 'target-invalid'
  | 'configuration-invalid'
  | 'protocol-incompatible'
  | 'operation-not-permitted'
  // Kubernetes
  | 'malformed'
  | 'gone'
  | 'terminating'
  | 'unsupported-media-type'
  | 'not-acceptable'
  | 'method-not-allowed';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  readonly detail: ErrorDetail;

  constructor(kind: ErrorKind, message: string, detail: ErrorDetail = {}) {
    super(message);
    this.name = `BerthError(${kind})`;
    this.kind = kind;
    this.detail = detail;
  }
}

export const notFound = (message: string, detail?: ErrorDetail) => new BerthError('NotFound', message, detail);
export const alreadyExists = (message: string, detail?: ErrorDetail) =>
  new BerthError('AlreadyExists', message, detail);
export const invalidParameter = (message: string, detail?: ErrorDetail) =>
  new BerthError('InvalidParameter', message, detail);
export const conflict = (message: string, detail?: ErrorDetail) => new BerthError('Conflict', message, detail);
export const limitExceeded = (message: string, detail?: ErrorDetail) =>
  new BerthError('LimitExceeded', message, detail);
export const accessDenied = (message: string, detail?: ErrorDetail) => new BerthError('AccessDenied', message, detail);
export const unavailable = (message: string, detail?: ErrorDetail) => new BerthError('Unavailable', message, detail);
export const notImplemented = (what: string) =>
  new BerthError('NotImplemented', `${what} is not implemented in berth yet`);

export function isBerthError(e: unknown): e is BerthError {
  return e instanceof BerthError;
}

/** Any thrown value as a BerthError; unknown failures become Internal without leaking their message. */
export function asBerthError(e: unknown): BerthError {
  if (e instanceof BerthError) return e;
  return new BerthError('Internal', 'An internal error occurred');
}
