import type { BlobStore } from '../blob/index.js';
import type { Clock } from '../kernel/index.js';
import type { SharedStore } from '../store/index.js';

export interface RegistryDeps {
  /** Writes are optimistic transactions: the same code serves one server over SQLite and several over etcd. */
  store: SharedStore;
  blobs: BlobStore;
  clock: Clock;
  accountId: string;
  region: string;
  /** `host:port` as it appears in repository URIs and `docker push` targets. */
  registryHost: string;
  /** Create a repository on first push instead of refusing with NAME_UNKNOWN (ECR refuses). */
  createOnPush: boolean;
  maxManifestSize: number;
  /** The key registry tokens and presigned layer paths are signed with (the same on every server). */
  tokenKey: Buffer;
}

export const now = (deps: RegistryDeps): number => deps.clock.now().getTime();
