import { metaOf, type KindDef, type KubeObject } from '../kube/index.js';

/**
 * `kubectl get`'s tables (meta.k8s.io/v1 Table): the server picks the columns, as the API server's
 * printers do for each kind, and kubectl prints them.
 */
interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  description: string;
  cell(o: KubeObject, now: number): unknown;
}

/** The API server's HumanDuration ("5m30s", "3d4h", "2y"). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 ? `${minutes}m${seconds % 60}s` : `${minutes}m`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 ? `${hours}h${minutes % 60}m` : `${hours}h`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 ? `${days}d${hours % 24}h` : `${days}d`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 ? `${years}y${days % 365}d` : `${years}y`;
  return `${years}y`;
}

const count = (...maps: unknown[]) =>
  maps.reduce<number>((n, m) => n + (m && typeof m === 'object' ? Object.keys(m).length : 0), 0);

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  cell: (o) => metaOf(o).name ?? '',
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o, now) => {
    const t = Date.parse(metaOf(o).creationTimestamp ?? '');
    return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
  },
};

const COLUMNS_EXTRA: Record<string, Column[]> = {};
const COLUMNS: Readonly<Record<string, Column[]>> = {
  Namespace: [
    NAME,
    {
      name: 'Status',
      type: 'string',
      description: 'The status of the namespace',
      cell: (o) => (o['status'] as { phase?: string } | undefined)?.phase ?? '',
    },
    AGE,
  ],
  ConfigMap: [
    NAME,
    {
      name: 'Data',
      type: 'integer',
      description: 'Data contains the configuration data.',
      cell: (o) => count(o['data'], o['binaryData']),
    },
    AGE,
  ],
  Secret: [
    NAME,
    { name: 'Type', type: 'string', description: 'The type of secret', cell: (o) => o['type'] ?? '' },
    { name: 'Data', type: 'integer', description: 'Data contains the secret data.', cell: (o) => count(o['data']) },
    AGE,
  ],
  ServiceAccount: [
    NAME,
    {
      name: 'Secrets',
      type: 'integer',
      description:
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      cell: (o) => (Array.isArray(o['secrets']) ? o['secrets'].length : 0),
    },
    AGE,
  ],
};

type PodStatus = {
  phase?: string;
  reason?: string;
  containerStatuses?: {
    ready?: boolean;
    restartCount?: number;
    state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
  }[];
  initContainerStatuses?: { state?: { terminated?: { exitCode?: number }; running?: unknown } }[];
  podIP?: string;
};

/** The STATUS column kubectl shows: a waiting or terminated container's reason, else the phase. */
function podStatusWord(o: KubeObject): string {
  if (metaOf(o).deletionTimestamp) return 'Terminating';
  const st = (o['status'] ?? {}) as PodStatus;
  const inits = st.initContainerStatuses ?? [];
  const initDone = inits.filter((c) => c.state?.terminated?.exitCode === 0).length;
  if (inits.length && initDone < inits.length) return `Init:${initDone}/${inits.length}`;
  for (const c of st.containerStatuses ?? []) {
    const why = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (why && (st.phase !== 'Running' || c.state?.waiting)) return why;
  }
  return st.reason ?? st.phase ?? 'Pending';
}

const podStatus = (o: KubeObject) => (o['status'] ?? {}) as PodStatus;

COLUMNS_EXTRA.Pod = [
  NAME,
  {
    name: 'Ready',
    type: 'string',
    description: 'The aggregate readiness state of this pod for accepting traffic.',
    cell: (o) => {
      const cs = podStatus(o).containerStatuses ?? [];
      const total = ((o['spec'] as { containers?: unknown[] } | undefined)?.containers ?? []).length;
      return `${cs.filter((c) => c.ready).length}/${total}`;
    },
  },
  {
    name: 'Status',
    type: 'string',
    description: 'The aggregate status of the containers in this pod.',
    cell: podStatusWord,
  },
  {
    name: 'Restarts',
    type: 'string',
    description: 'The number of times the containers in this pod have been restarted.',
    cell: (o) => String((podStatus(o).containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0)),
  },
  AGE,
];
COLUMNS_EXTRA.Node = [
  NAME,
  {
    name: 'Status',
    type: 'string',
    description: 'The status of the node',
    cell: (o) => {
      const ready = (
        (o['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []
      ).find((c) => c.type === 'Ready');
      const word = ready?.status === 'True' ? 'Ready' : 'NotReady';
      return (o['spec'] as { unschedulable?: boolean } | undefined)?.unschedulable
        ? `${word},SchedulingDisabled`
        : word;
    },
  },
  { name: 'Roles', type: 'string', description: 'The roles of the node', cell: () => '<none>' },
  AGE,
  {
    name: 'Version',
    type: 'string',
    description: 'Kubelet Version reported by the node.',
    cell: (o) =>
      (o['status'] as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo?.kubeletVersion ?? '',
  },
];

const workloadStatus = (o: KubeObject) =>
  (o['status'] ?? {}) as {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
const wanted = (o: KubeObject) => (o['spec'] as { replicas?: number } | undefined)?.replicas ?? 0;
COLUMNS_EXTRA.Deployment = [
  NAME,
  {
    name: 'Ready',
    type: 'string',
    description: 'Number of the pod with ready state',
    cell: (o) => `${workloadStatus(o).readyReplicas ?? 0}/${wanted(o)}`,
  },
  {
    name: 'Up-to-date',
    type: 'integer',
    description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    cell: (o) => workloadStatus(o).updatedReplicas ?? 0,
  },
  {
    name: 'Available',
    type: 'integer',
    description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    cell: (o) => workloadStatus(o).availableReplicas ?? 0,
  },
  AGE,
];
COLUMNS_EXTRA.ReplicaSet = [
  NAME,
  { name: 'Desired', type: 'integer', description: 'Number of desired pods.', cell: wanted },
  {
    name: 'Current',
    type: 'integer',
    description: 'Number of actual pods.',
    cell: (o) => workloadStatus(o).replicas ?? 0,
  },
  {
    name: 'Ready',
    type: 'integer',
    description: 'Number of pods ready.',
    cell: (o) => workloadStatus(o).readyReplicas ?? 0,
  },
  AGE,
];

const jobStatus = (o: KubeObject) =>
  (o['status'] ?? {}) as {
    succeeded?: number;
    active?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: { type: string; status: string }[];
  };
COLUMNS_EXTRA.Job = [
  NAME,
  {
    name: 'Status',
    type: 'string',
    description: 'Status of the job.',
    cell: (o) => {
      const done = (jobStatus(o).conditions ?? []).find(
        (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      );
      return done?.type ?? 'Running';
    },
  },
  {
    name: 'Completions',
    type: 'string',
    description: 'The desired number of successfully finished pods the job should be run with.',
    cell: (o) =>
      `${jobStatus(o).succeeded ?? 0}/${(o['spec'] as { completions?: number } | undefined)?.completions ?? 1}`,
  },
  {
    name: 'Duration',
    type: 'string',
    description: 'Time required to complete the job.',
    cell: (o, now) => {
      const st = jobStatus(o);
      const start = Date.parse(st.startTime ?? '');
      if (Number.isNaN(start)) return '';
      const end = st.completionTime ? Date.parse(st.completionTime) : now;
      return humanDuration(end - start);
    },
  },
  AGE,
];

COLUMNS_EXTRA.Event = [
  {
    name: 'Last Seen',
    type: 'string',
    description: 'The time at which the most recent occurrence of this event was recorded.',
    cell: (o, now) => {
      const t = Date.parse(String(o['lastTimestamp'] ?? o['eventTime'] ?? ''));
      return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
    },
  },
  { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning).', cell: (o) => o['type'] ?? '' },
  { name: 'Reason', type: 'string', description: 'Why the action was taken.', cell: (o) => o['reason'] ?? '' },
  {
    name: 'Object',
    type: 'string',
    description: 'The object that this event is about.',
    cell: (o) => {
      const i = (o['involvedObject'] ?? {}) as { kind?: string; name?: string };
      return `${String(i.kind ?? '').toLowerCase()}/${i.name ?? ''}`;
    },
  },
  {
    name: 'Message',
    type: 'string',
    description: 'A human-readable description of the status of this operation.',
    cell: (o) => o['message'] ?? '',
  },
];

const daemonStatus = (o: KubeObject) => (o['status'] ?? {}) as Record<string, number | undefined>;
COLUMNS_EXTRA.DaemonSet = [
  NAME,
  ...(
    [
      ['Desired', 'desiredNumberScheduled'],
      ['Current', 'currentNumberScheduled'],
      ['Ready', 'numberReady'],
      ['Up-to-date', 'updatedNumberScheduled'],
      ['Available', 'numberAvailable'],
    ] as const
  ).map(([name, field]): Column => ({
    name,
    type: 'integer',
    description: `The DaemonSet's ${field}.`,
    cell: (o) => daemonStatus(o)[field] ?? 0,
  })),
  {
    name: 'Node Selector',
    type: 'string',
    description: 'The node selector of its pods.',
    cell: (o) => {
      const sel =
        (o['spec'] as { template?: { spec?: { nodeSelector?: Record<string, string> } } } | undefined)?.template?.spec
          ?.nodeSelector ?? {};
      return (
        Object.entries(sel)
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>'
      );
    },
  },
  AGE,
];

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A list (or one object, or one watch event's object) as a Table. */
export function toTable(
  kind: KindDef,
  objects: KubeObject[],
  o: { resourceVersion?: string; continue?: string; includeObject?: IncludeObject; now: number },
): unknown {
  const columns = COLUMNS[kind.kind] ?? COLUMNS_EXTRA[kind.kind] ?? [NAME, AGE];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}),
      ...(o.continue ? { continue: o.continue } : {}),
    },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description,
      priority: 0,
    })),
    rows: objects.map((obj) => ({
      cells: columns.map((c) => c.cell(obj, o.now)),
      ...(o.includeObject === 'None'
        ? {}
        : {
            object:
              o.includeObject === 'Object'
                ? obj
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj['metadata'] },
          }),
    })),
  };
}

/** Whether an Accept header asks for a Table first. */
export function wantsTable(accept: string | undefined): boolean {
  const first = accept?.split(',')[0]?.replace(/\s+/g, '') ?? '';
  return first.includes('as=Table') && first.includes('g=meta.k8s.io');
}
