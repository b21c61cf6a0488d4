import type { BlobStore } from '../blob/index.js';
import type { Clock } from '../kernel/index.js';
import type { Store } from '../store/index.js';

export interface RegistryDeps {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  accountId: string;
  region: string;
  /** `host:port` as it appears in repository URIs and `docker push` targets. */
  registryHost: string;
  /** Create a repository on first push instead of refusing with NAME_UNKNOWN (ECR refuses). */
  createOnPush: boolean;
  maxManifestSize: number;
}

export const now = (deps: RegistryDeps): number => deps.clock.now().getTime();
