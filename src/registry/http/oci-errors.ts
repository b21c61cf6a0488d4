import { asBerthError, type BerthError, type ErrorReason } from '../../kernel/index.js';

/** OCI distribution error codes and the HTTP status each travels with. */
export const ociCodes: Record<string, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  TAG_INVALID: 400,
  UNKNOWN: 500,
};

const notFoundCodes: Record<string, string> = {
  repository: 'NAME_UNKNOWN',
  manifest: 'MANIFEST_UNKNOWN',
  blob: 'BLOB_UNKNOWN',
  upload: 'BLOB_UPLOAD_UNKNOWN',
};

export interface OciError {
  status: number;
  code: string;
  message: string;
}

/** The OCI codes of the domain's reasons; the others are mapped by kind. */
const byReason: Partial<Record<ErrorReason, string>> = {
  'range-invalid': 'BLOB_UPLOAD_INVALID',
  'too-large': 'SIZE_INVALID',
  'digest-invalid': 'DIGEST_INVALID',
  'upload-invalid': 'BLOB_UPLOAD_INVALID',
  'manifest-blob-unknown': 'MANIFEST_BLOB_UNKNOWN',
  'manifest-invalid': 'MANIFEST_INVALID',
  'name-invalid': 'NAME_INVALID',
  'tag-invalid': 'TAG_INVALID',
};

/** Maps a domain error to the OCI wire once, here at the registry's edge. */
export function toOciError(e: unknown): OciError {
  const be: BerthError = asBerthError(e);
  const known = be.detail.reason && byReason[be.detail.reason];
  if (known) {
    // Past a size limit the body was not read: 413, so the client does not send it again as is.
    const status = known === 'SIZE_INVALID' && be.kind === 'LimitExceeded' ? 413 : (ociCodes[known] as number);
    return { status: be.detail.reason === 'range-invalid' ? 416 : status, code: known, message: be.message };
  }
  switch (be.kind) {
    case 'NotFound': {
      const code = notFoundCodes[be.detail.resource ?? ''] ?? 'NAME_UNKNOWN';
      return { status: 404, code, message: be.message };
    }
    case 'Conflict':
      if (be.detail.resource === 'tag') return { status: 400, code: 'TAG_INVALID', message: be.message };
      return { status: 409, code: 'DENIED', message: be.message };
    case 'InvalidParameter':
      return {
        status: 400,
        code: be.detail.resource === 'repository' ? 'NAME_INVALID' : 'MANIFEST_INVALID',
        message: be.message,
      };
    case 'AccessDenied':
      return { status: 403, code: 'DENIED', message: be.message };
    case 'LimitExceeded':
      return { status: 429, code: 'TOOMANYREQUESTS', message: be.message };
    case 'NotImplemented':
      return { status: 405, code: 'UNSUPPORTED', message: be.message };
    default:
      return { status: 500, code: 'UNKNOWN', message: be.message };
  }
}

export function ociErrorBody(err: OciError, detail?: unknown): string {
  return JSON.stringify({
    errors: [{ code: err.code, message: err.message, ...(detail !== undefined ? { detail } : {}) }],
  });
}
