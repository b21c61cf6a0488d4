import { asBerthError, type BerthError } from '../../kernel/index.js';

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

/** Maps a domain error to the OCI wire once, here at the registry's edge. */
export function toOciError(e: unknown): OciError {
  const be: BerthError = asBerthError(e);
  const c = be.detail.code;
  if (c === 'RANGE_INVALID') return { status: 416, code: 'BLOB_UPLOAD_INVALID', message: be.message };
  if (c === 'SIZE_INVALID' && be.kind === 'LimitExceeded')
    return { status: 413, code: 'SIZE_INVALID', message: be.message };
  if (c && ociCodes[c] !== undefined) return { status: ociCodes[c] as number, code: c, message: be.message };
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
