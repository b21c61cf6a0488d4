import { asBerthError, type BerthError, type ErrorKind } from '../kernel/index.js';
import type { AwsService } from './service.js';

/** An error as the AWS wire formats carry it: a code, a message, an HTTP status, who is at fault. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
  get sender(): boolean {
    return this.status < 500;
  }
}

const byKind: Record<ErrorKind, [string, number]> = {
  NotFound: ['ResourceNotFoundException', 400],
  AlreadyExists: ['ResourceAlreadyExistsException', 400],
  InvalidParameter: ['InvalidParameterException', 400],
  Conflict: ['ConflictException', 409],
  LimitExceeded: ['LimitExceededException', 400],
  AccessDenied: ['AccessDeniedException', 403],
  Unavailable: ['ServiceUnavailableException', 503],
  NotImplemented: ['NotImplemented', 501],
  Internal: ['InternalFailure', 500],
};

/** Maps a domain error to the service's wire code once, here at the edge. */
export function toAwsError(e: unknown, service: AwsService | undefined): AwsError {
  if (e instanceof AwsError) return e;
  const be: BerthError = asBerthError(e);
  const [fallbackCode, fallbackStatus] = byKind[be.kind];
  // The service's own table first (by reason, kind and resource); else the kind's code.
  let code = service?.errorCode?.(be);
  if (!code) code = be.kind === 'InvalidParameter' && service ? service.validationErrorCode : fallbackCode;
  const shape = service?.model.shapes[code];
  // A client fault is 400 unless the model gives its error another status (AWS's JSON and query
  // services answer 400 for RepositoryNotEmptyException or ClusterContainsServicesException).
  const status =
    be.kind === 'Internal' || be.kind === 'Unavailable' || be.kind === 'NotImplemented' || be.kind === 'AccessDenied'
      ? fallbackStatus
      : (shape?.error?.httpStatusCode ?? (service ? 400 : fallbackStatus));
  return new AwsError(shape?.error?.code ?? code, be.message, status);
}

// The protocol-level errors every AWS endpoint answers with.
export const protocolErrors = {
  missingAuth: (query: boolean) =>
    new AwsError(
      query ? 'MissingAuthenticationToken' : 'MissingAuthenticationTokenException',
      'Missing Authentication Token',
      403,
    ),
  incompleteSignature: (query: boolean, message: string) =>
    new AwsError(query ? 'IncompleteSignature' : 'IncompleteSignatureException', message, 400),
  invalidSignature: (query: boolean, message: string) =>
    new AwsError(query ? 'SignatureDoesNotMatch' : 'InvalidSignatureException', message, 403),
  unknownKey: (query: boolean) =>
    query
      ? new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403)
      : new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400),
  unknownOperation: (what: string) => new AwsError('UnknownOperationException', `Unknown operation ${what}`, 400),
  invalidAction: (action: string) =>
    new AwsError('InvalidAction', `Could not find operation ${action} for version of this service`, 400),
  serialization: (message: string) => new AwsError('SerializationException', message, 400),
};
