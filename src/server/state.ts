import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventFiles } from '../logs/index.js';
import { convertLegacyPoints } from '../metrics/index.js';
import {
  SqliteStore,
  localShared,
  openEtcdState,
  scopedStore,
  soleLeadership,
  type Leadership,
  type SharedStore,
  type StoreView,
} from '../store/index.js';
import { etcdEndpoints, loadSealingKey, loadServerId, type BerthConfig } from './config.js';

/** Where a region keeps its state: its tables and its registry blobs. */
export interface RegionState {
  store: SharedStore;
  blobDir: string;
  /** Where log events go when servers share state (none: the store's own event table). */
  events?: EventFiles;
}

/** What a berth server keeps its state in: SQLite under its data dir, or an etcd cluster it shares. */
export interface BerthState {
  /** The default region's. */
  readonly region: RegionState;
  /** Another region's (opened on its first call; over etcd, asynchronously). */
  readonly otherRegion?: (name: string) => RegionState | Promise<RegionState>;
  /** Which server does the singleton work (always this one over SQLite). */
  readonly leadership: Leadership;
  /** The key secret values are sealed under (every server of a cluster has the same). */
  readonly sealingKey: Buffer;
  /** The root store (tests read it). */
  readonly root: StoreView;
  close(): Promise<void>;
}

export async function openState(config: BerthConfig): Promise<BerthState> {
  const endpoints = etcdEndpoints(config.store);
  if (!endpoints) return sqliteState(config);
  const shared = config.sharedDir as string;
  mkdirSync(shared, { recursive: true });
  const etcd = await openEtcdState({ endpoints, prefix: '/berth', id: `${config.advertiseHost}:${config.port}` });
  try {
    // A region's tables under a prefix of its own: `/berth/<region>/…` (keys.ts), beside the
    // election's `/berth/leader…`.
    const store = await etcd.store(`/berth/${config.region}`);
    // Log events are bulk data: never in etcd, but in a file of each server's own in the shared
    // directory, which every server reads (logs/event-files.ts).
    const serverId = loadServerId(config.dataDir);
    const events = new EventFiles(join(shared, 'logs', config.region), serverId);
    return {
      region: { store, blobDir: join(shared, 'blobs'), events },
      // Another region: its tables under `/berth/<name>`, its blobs and events in the shared
      // directory (as a region over SQLite keeps its blobs apart).
      otherRegion: async (name) => ({
        store: await etcd.store(`/berth/${name}`),
        blobDir: join(shared, 'regions', name, 'blobs'),
        events: new EventFiles(join(shared, 'logs', name), serverId),
      }),
      leadership: etcd.leadership,
      sealingKey: loadSealingKey(shared),
      root: store,
      close: async () => {
        await etcd.leadership.close();
        store.close();
        events.close();
      },
    };
  } catch (e) {
    await etcd.leadership.close();
    throw e;
  }
}

function sqliteState(config: BerthConfig): BerthState {
  const root = new SqliteStore(join(config.dataDir, 'berth.db'));
  // One shared view per region: caches (the fleet, metric heads) are kept per store object.
  const regionOf = (scoped: SqliteStore | ReturnType<typeof scopedStore>, blobDir: string): RegionState => {
    // A data dir from before metric chunks: its points into chunks, before anything reads them.
    convertLegacyPoints(scoped);
    return { store: localShared(scoped), blobDir };
  };
  return {
    // The default region's state is the root store's own tables (and blobs), another's a scoped
    // view of the same store and a blob directory of its own.
    region: regionOf(root, join(config.dataDir, 'blobs')),
    otherRegion: (name) => regionOf(scopedStore(root, name), join(config.dataDir, 'regions', name, 'blobs')),
    leadership: soleLeadership(),
    sealingKey: loadSealingKey(config.dataDir),
    root,
    close: async () => root.close(),
  };
}
