import { digestString, parseDigest } from '../blob/index.js';
import { BerthError, alreadyExists, invalidParameter } from '../kernel/index.js';
import { appendUpload, completeUpload, uploadSize } from './blobs.js';
import type { RegistryDeps } from './deps.js';
import { blobLinks } from './tables.js';

/** ECR's layer API on top of the upload sessions the OCI API uses: parts by byte offsets. */
export async function uploadLayerPart(
  deps: RegistryDeps,
  repo: string,
  id: string,
  first: number,
  last: number,
  bytes: Buffer,
): Promise<number> {
  const size = await uploadSize(deps, repo, id);
  if (first !== size || last - first + 1 !== bytes.length) {
    throw invalidParameter(
      `The part first byte ${first} did not follow the last byte received (${size - 1}), or the part is not ${last - first + 1} bytes long`,
      { reason: 'layer-part-invalid' },
    );
  }
  const total = await appendUpload(deps, repo, id, [bytes], { offset: first, length: bytes.length });
  return total - 1;
}

export async function completeLayerUpload(
  deps: RegistryDeps,
  repo: string,
  id: string,
  digest: string,
): Promise<string> {
  const d = parseDigest(digest, 'layerDigests');
  if (deps.store.read((tx) => tx.get(blobLinks, `${repo}@${digestString(d)}`))) {
    throw alreadyExists(
      `The layer '${digest}' already exists in the repository with name '${repo}' in registry with id '${deps.accountId}'`,
      {
        reason: 'layer-exists',
      },
    );
  }
  if ((await uploadSize(deps, repo, id)) === 0) {
    throw invalidParameter(`The layer part size is not valid, or the upload ${id} is empty`, {
      reason: 'upload-empty',
    });
  }
  try {
    return (await completeUpload(deps, repo, id, digest)).digest;
  } catch (e) {
    if (e instanceof BerthError && e.detail.reason === 'digest-invalid') {
      throw invalidParameter(
        `The layer digest calculation performed by Amazon ECR does not match the provided digest ${digest}`,
        {
          reason: 'layer-invalid',
        },
      );
    }
    throw e;
  }
}
