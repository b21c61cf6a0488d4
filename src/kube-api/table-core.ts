import { metaOf, type KubeObject } from '../kube/index.js';
import { AGE, count, humanDuration, NAME, type Column } from './table-columns.js';

/** The columns of the core kinds' tables, as the API server's printers make them. */
export const CORE_COLUMNS: Record<string, Column[]> = {
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
    lastState?: { terminated?: { finishedAt?: string } };
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

CORE_COLUMNS.Pod = [
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
    // As kubectl prints it: the count, and how long ago the last restarted container last ended.
    cell: (o, now) => {
      const all = podStatus(o).containerStatuses ?? [];
      const n = all.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
      const last = Math.max(...all.map((c) => Date.parse(c.lastState?.terminated?.finishedAt ?? '') || 0), 0);
      return n > 0 && last > 0 ? `${n} (${humanDuration(now - last)} ago)` : String(n);
    },
  },
  AGE,
];
CORE_COLUMNS.Node = [
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

CORE_COLUMNS.Event = [
  {
    name: 'Last Seen',
    type: 'string',
    description: 'The time at which the most recent occurrence of this event was recorded.',
    cell: (o, now) => {
      // Either version's names: core's, and events.k8s.io's.
      const t = Date.parse(String(o['lastTimestamp'] ?? o['deprecatedLastTimestamp'] ?? o['eventTime'] ?? ''));
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
      const i = (o['involvedObject'] ?? o['regarding'] ?? {}) as { kind?: string; name?: string };
      return `${String(i.kind ?? '').toLowerCase()}/${i.name ?? ''}`;
    },
  },
  {
    name: 'Message',
    type: 'string',
    description: 'A human-readable description of the status of this operation.',
    cell: (o) => o['message'] ?? o['note'] ?? '',
  },
];
CORE_COLUMNS.PriorityClass = [
  NAME,
  {
    name: 'Value',
    type: 'integer',
    description: 'The priority of the pods of the class.',
    cell: (o) => o['value'] ?? 0,
  },
  {
    name: 'Global-Default',
    type: 'boolean',
    description: 'Whether pods that name no class are of this one.',
    cell: (o) => o['globalDefault'] === true,
  },
  AGE,
  {
    name: 'PreemptionPolicy',
    type: 'string',
    description: 'Whether its pods may preempt others.',
    cell: (o) => o['preemptionPolicy'] ?? '',
  },
];
CORE_COLUMNS.Lease = [
  NAME,
  {
    name: 'Holder',
    type: 'string',
    description: 'The holder of the lease',
    cell: (o) => (o['spec'] as { holderIdentity?: string } | undefined)?.holderIdentity ?? '',
  },
  AGE,
];

const quotaCell = (limits: boolean) => (o: KubeObject) => {
  const s = (o['status'] ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
  return Object.keys(s.hard ?? {})
    .filter((k) => k.startsWith('limits.') === limits)
    .sort()
    .map((k) => `${k}: ${s.used?.[k] ?? '0'}/${s.hard?.[k] ?? ''}`)
    .join(', ');
};
CORE_COLUMNS.ResourceQuota = [
  NAME,
  AGE,
  {
    name: 'Request',
    type: 'string',
    description: 'Request represents a minimum amount of cpu/memory that a container may consume.',
    cell: quotaCell(false),
  },
  {
    name: 'Limit',
    type: 'string',
    description:
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    cell: quotaCell(true),
  },
];
CORE_COLUMNS.LimitRange = [
  NAME,
  {
    name: 'Created At',
    type: 'date',
    description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
    cell: (o) => metaOf(o).creationTimestamp ?? '',
  },
];

const WEBHOOK_COLUMNS: Column[] = [
  NAME,
  {
    name: 'Webhooks',
    type: 'integer',
    description: 'Webhooks indicates the number of webhooks in the configuration.',
    cell: (o) => ((o['webhooks'] as unknown[] | undefined) ?? []).length,
  },
  AGE,
];
CORE_COLUMNS.ValidatingWebhookConfiguration = WEBHOOK_COLUMNS;
CORE_COLUMNS.MutatingWebhookConfiguration = WEBHOOK_COLUMNS;
