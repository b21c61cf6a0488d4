import type { KubeObject } from '../kube/index.js';
import { AGE, NAME, type Column } from './table-columns.js';

/** The columns of PersistentVolumeClaim, PersistentVolume, StorageClass and PodDisruptionBudget, as the API server's printers make them. */
type Storage = {
  accessModes?: string[];
  capacity?: Record<string, string>;
  storageClassName?: string;
  volumeName?: string;
  volumeAttributesClassName?: string;
  persistentVolumeReclaimPolicy?: string;
  claimRef?: { namespace?: string; name?: string };
};
const spec = (o: KubeObject) => (o['spec'] ?? {}) as Storage;
const status = (o: KubeObject) => (o['status'] ?? {}) as Storage & { phase?: string; reason?: string };

/** Access modes as the printers shorten them (RWO, ROX, RWX, RWOP). */
const SHORT: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};
const modes = (m: string[] | undefined) => (m ?? []).map((x) => (Object.hasOwn(SHORT, x) ? SHORT[x] : x)).join(',');
const text = (name: string, description: string, cell: (o: KubeObject) => string): Column => ({
  name,
  type: 'string',
  description,
  cell,
});

export const STORAGE_COLUMNS: Record<string, Column[]> = {
  PersistentVolumeClaim: [
    NAME,
    text('Status', 'The phase of the claim', (o) => status(o).phase ?? ''),
    text('Volume', 'The volume bound', (o) => spec(o).volumeName ?? ''),
    text('Capacity', 'The capacity bound', (o) => status(o).capacity?.['storage'] ?? ''),
    text('Access Modes', 'The access modes bound', (o) => modes(status(o).accessModes)),
    text('StorageClass', 'The class of the claim', (o) => spec(o).storageClassName ?? ''),
    text('VolumeAttributesClass', 'The volume attributes class', (o) => spec(o).volumeAttributesClassName ?? '<unset>'),
    AGE,
  ],
  PersistentVolume: [
    NAME,
    text('Capacity', 'The capacity of the volume', (o) => spec(o).capacity?.['storage'] ?? ''),
    text('Access Modes', 'The access modes of the volume', (o) => modes(spec(o).accessModes)),
    text('Reclaim Policy', 'What happens to it once released', (o) => spec(o).persistentVolumeReclaimPolicy ?? ''),
    text('Status', 'The phase of the volume', (o) => status(o).phase ?? ''),
    text('Claim', 'The claim bound', (o) =>
      spec(o).claimRef ? `${spec(o).claimRef?.namespace ?? ''}/${spec(o).claimRef?.name ?? ''}` : '',
    ),
    text('StorageClass', 'The class of the volume', (o) => spec(o).storageClassName ?? ''),
    text('VolumeAttributesClass', 'The volume attributes class', (o) => spec(o).volumeAttributesClassName ?? '<unset>'),
    text('Reason', 'Why it is in its phase', (o) => status(o).reason ?? ''),
    AGE,
  ],
  StorageClass: [
    {
      ...NAME,
      cell: (o) => {
        const meta = (o['metadata'] ?? {}) as { name?: string; annotations?: Record<string, string> };
        const isDefault = meta.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
        return `${meta.name ?? ''}${isDefault ? ' (default)' : ''}`;
      },
    },
    text('Provisioner', 'What makes its volumes', (o) => String(o['provisioner'] ?? '')),
    text('ReclaimPolicy', 'What happens to its volumes once released', (o) => String(o['reclaimPolicy'] ?? 'Delete')),
    text('VolumeBindingMode', 'When its claims are bound', (o) => String(o['volumeBindingMode'] ?? 'Immediate')),
    {
      name: 'AllowVolumeExpansion',
      type: 'string',
      description: 'Whether its volumes may grow',
      cell: (o) => String(o['allowVolumeExpansion'] ?? false),
    },
    AGE,
  ],
  PodDisruptionBudget: [
    NAME,
    text('Min Available', 'The minimum number of pods that must be available', (o) => budget(o).minAvailable),
    text('Max Unavailable', 'The maximum number of pods that may be unavailable', (o) => budget(o).maxUnavailable),
    {
      name: 'Allowed Disruptions',
      type: 'integer',
      description: 'Calculated number of pods that may be disrupted at this time',
      cell: (o) => (o['status'] as { disruptionsAllowed?: number } | undefined)?.disruptionsAllowed ?? 0,
    },
    AGE,
  ],
};

const budget = (o: KubeObject) => {
  const s = (o['spec'] ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string };
  return {
    minAvailable: s.minAvailable === undefined ? 'N/A' : String(s.minAvailable),
    maxUnavailable: s.maxUnavailable === undefined ? 'N/A' : String(s.maxUnavailable),
  };
};
