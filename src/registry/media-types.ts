import { isDigest } from '../blob/index.js';
import { invalidParameter } from '../kernel/index.js';
import type { Descriptor } from './tables.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_SCHEMA1 = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];
export const MANIFEST_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];
export const isIndexType = (t: string) => t === OCI_INDEX || t === DOCKER_LIST;

/** Layers a registry need not hold (foreign / non-distributable): their bytes live at `urls`. */
const FOREIGN = /(nondistributable|foreign)/;

export interface ParsedManifest {
  mediaType: string;
  blobs: Descriptor[];
  children: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  configMediaType?: string;
  annotations?: Record<string, string>;
}

const invalid = (message: string) => invalidParameter(`manifest invalid: ${message}`, { reason: 'manifest-invalid' });

function descriptor(v: unknown, where: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (typeof d !== 'object' || d === null) throw invalid(`${where} must be a descriptor object`);
  if (typeof d.mediaType !== 'string' || d.mediaType === '') throw invalid(`${where}.mediaType must be a string`);
  if (typeof d.digest !== 'string' || !isDigest(d.digest))
    throw invalid(`${where}.digest '${String(d.digest)}' is not a valid digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw invalid(`${where}.size must be a non-negative integer`);
  }
  return d as Descriptor;
}

/**
 * Checks a pushed manifest's structure and says what it references. The media type is the body's
 * `mediaType`, else the request's Content-Type; when both are given they must agree.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw invalid(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('must be a JSON object');
  const ct = contentType?.split(';')[0]?.trim();
  const declared = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  if (declared && ct && MANIFEST_TYPES.includes(ct) && ct !== declared) {
    throw invalid(`mediaType '${declared}' does not match Content-Type '${ct}'`);
  }
  const mediaType = declared ?? (ct && MANIFEST_TYPES.includes(ct) ? ct : undefined);
  // Guessing from the body's shape would let an image and an artifact be taken for each other.
  if (!mediaType && !ct)
    throw invalid('it names no media type: give its mediaType, or the Content-Type (imageManifestMediaType)');
  if (mediaType && DOCKER_SCHEMA1.includes(mediaType)) throw invalid('Docker schema 1 manifests are not supported');
  if (!mediaType || !MANIFEST_TYPES.includes(mediaType)) {
    throw invalid(
      `unsupported media type '${mediaType ?? ct ?? '(none)'}'; expected one of ${MANIFEST_TYPES.join(', ')}`,
    );
  }
  if (body.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const out: ParsedManifest = { mediaType, blobs: [], children: [] };
  if (typeof body.artifactType === 'string') out.artifactType = body.artifactType;
  if (body.annotations && typeof body.annotations === 'object')
    out.annotations = body.annotations as Record<string, string>;
  if (body.subject !== undefined) out.subject = descriptor(body.subject, 'subject');
  if (isIndexType(mediaType)) {
    if (!Array.isArray(body.manifests)) throw invalid('manifests must be an array');
    out.children = body.manifests.map((m, i) => descriptor(m, `manifests[${i}]`));
  } else {
    const config = descriptor(body.config, 'config');
    if (!Array.isArray(body.layers)) throw invalid('layers must be an array');
    const layers = body.layers.map((l, i) => descriptor(l, `layers[${i}]`));
    out.configMediaType = config.mediaType;
    out.blobs = [config, ...layers.filter((l) => !(FOREIGN.test(l.mediaType) && l.urls?.length))];
  }
  return out;
}
