import { invalidParameter } from '../kernel/index.js';

export type Algorithm = 'sha256' | 'sha512';

/** An OCI content digest, `algorithm:hex`, checked for its exact form. */
export interface Digest {
  readonly algorithm: Algorithm;
  readonly hex: string;
}

const lengths: Record<Algorithm, number> = { sha256: 64, sha512: 128 };

export function parseDigest(text: string, field = 'digest'): Digest {
  const i = text.indexOf(':');
  const algorithm = text.slice(0, i) as Algorithm;
  const hex = text.slice(i + 1);
  const len = lengths[algorithm];
  if (i < 0 || len === undefined) {
    throw invalidParameter(`${field}: '${text}' is not a digest of a supported algorithm (sha256, sha512)`, {
      field,
      reason: 'digest-invalid',
    });
  }
  if (hex.length !== len || !/^[a-f0-9]+$/.test(hex)) {
    throw invalidParameter(`${field}: '${text}' is not a valid ${algorithm} digest (${len} lowercase hex characters)`, {
      field,
      reason: 'digest-invalid',
    });
  }
  return { algorithm, hex };
}

export function isDigest(text: string): boolean {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}

export const digestString = (d: Digest): string => `${d.algorithm}:${d.hex}`;
