import { asBerthError, type BerthError } from '../kernel/index.js';

/** Kubernetes' metav1.Status, the body of every error the API answers. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason: string; message: string; field: string }[];
  };
  code: number;
}

export function failure(code: number, reason: string, message: string, details?: Status['details']): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** A path the API does not serve. */
export const notFoundStatus = () => failure(404, 'NotFound', 'the server could not find the requested resource', {});

/** A cluster name no cluster served has. */
export const noClusterStatus = (name: string) =>
  failure(404, 'NotFound', `no Kubernetes cluster "${name}" is served here`, {});

/** The one table from berth's error kinds (and their Kubernetes reasons) to Status codes and reasons. */
function codeOf(e: BerthError): [number, string] {
  switch (e.detail.reason) {
    case 'malformed':
      return [400, 'BadRequest'];
    case 'gone':
      return [410, 'Expired'];
    case 'unsupported-media-type':
      return [415, 'UnsupportedMediaType'];
    case 'not-acceptable':
      return [406, 'NotAcceptable'];
    case 'method-not-allowed':
      return [405, 'MethodNotAllowed'];
    case 'too-large':
      return [413, 'RequestEntityTooLarge'];
    default:
  }
  switch (e.kind) {
    case 'NotFound':
      return [404, 'NotFound'];
    case 'AlreadyExists':
      return [409, 'AlreadyExists'];
    case 'Conflict':
      return [409, 'Conflict'];
    case 'InvalidParameter':
      return [422, 'Invalid'];
    case 'AccessDenied':
      return [403, 'Forbidden'];
    case 'LimitExceeded':
      return [429, 'TooManyRequests'];
    case 'Unavailable':
      return [503, 'ServiceUnavailable'];
    case 'NotImplemented':
      return [405, 'MethodNotAllowed'];
    default:
      return [500, 'InternalError'];
  }
}

/** A field error's reason from the API server's message prefix (field.ErrorType's words). */
const CAUSE_REASONS: [string, string][] = [
  ['Required value', 'FieldValueRequired'],
  ['Forbidden', 'FieldValueForbidden'],
  ['Duplicate value', 'FieldValueDuplicate'],
  ['Unsupported value', 'FieldValueNotSupported'],
  ['Too long', 'FieldValueTooLong'],
  ['Too many', 'FieldValueTooMany'],
];
const causeReason = (message: string) =>
  CAUSE_REASONS.find(([prefix]) => message.startsWith(prefix))?.[1] ?? 'FieldValueInvalid';

/** Any error as the Status the API server would answer (an unknown one as InternalError, its message withheld). */
export function statusOf(thrown: unknown): Status {
  const e = asBerthError(thrown);
  const [code, reason] = codeOf(e);
  const d = e.detail;
  const invalid = reason === 'Invalid';
  const details: Status['details'] = {
    ...(d.name !== undefined ? { name: d.name } : {}),
    ...(d.group !== undefined && (d.name !== undefined || d.resource !== undefined) ? { group: d.group } : {}),
    ...(d.resource !== undefined && (d.name !== undefined || invalid) ? { kind: d.resource } : {}),
    ...(d.causes?.length
      ? {
          causes: d.causes.map((c) => ({
            reason: c.reason ?? causeReason(c.message),
            message: c.message,
            field: c.field,
          })),
        }
      : {}),
  };
  return failure(code, reason, e.message, Object.keys(details).length ? details : undefined);
}
