import { metaOf, type KubeObject } from '../kube/index.js';
import { AGE, humanDuration, NAME, type Column } from './table-columns.js';

/** The columns of the workload kinds' tables (apps/v1, batch/v1). */
export const APPS_COLUMNS: Record<string, Column[]> = {};

const workloadStatus = (o: KubeObject) =>
  (o['status'] ?? {}) as {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
const wanted = (o: KubeObject) => (o['spec'] as { replicas?: number } | undefined)?.replicas ?? 0;
APPS_COLUMNS.Deployment = [
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
APPS_COLUMNS.ReplicaSet = [
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

APPS_COLUMNS.ReplicationController = APPS_COLUMNS.ReplicaSet;

const jobStatus = (o: KubeObject) =>
  (o['status'] ?? {}) as {
    succeeded?: number;
    active?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: { type: string; status: string }[];
  };
APPS_COLUMNS.Job = [
  NAME,
  {
    name: 'Status',
    type: 'string',
    description: 'Status of the job.',
    // As the API server's printer decides it, in this order.
    cell: (o) => {
      const has = (type: string) => (jobStatus(o).conditions ?? []).some((c) => c.type === type && c.status === 'True');
      if (has('Complete')) return 'Complete';
      if (has('Failed')) return 'Failed';
      if ((o['metadata'] as { deletionTimestamp?: string } | undefined)?.deletionTimestamp) return 'Terminating';
      for (const t of ['Suspended', 'FailureTarget', 'SuccessCriteriaMet']) if (has(t)) return t;
      return 'Running';
    },
  },
  {
    name: 'Completions',
    type: 'string',
    description: 'The desired number of successfully finished pods the job should be run with.',
    cell: (o) => {
      const spec = (o['spec'] ?? {}) as { completions?: number | null; parallelism?: number | null };
      const done = jobStatus(o).succeeded ?? 0;
      // A work queue (no completions) is done at one success, as many pods at once as its parallelism.
      if (typeof spec.completions === 'number') return `${done}/${spec.completions}`;
      return (spec.parallelism ?? 0) > 1 ? `${done}/1 of ${spec.parallelism}` : `${done}/1`;
    },
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

const daemonStatus = (o: KubeObject) => (o['status'] ?? {}) as Record<string, number | undefined>;
APPS_COLUMNS.DaemonSet = [
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

APPS_COLUMNS.ControllerRevision = [
  NAME,
  {
    name: 'Controller',
    type: 'string',
    description: 'The set whose revision it is.',
    cell: (o) => {
      const c = (metaOf(o).ownerReferences ?? []).find((r) => r.controller);
      return c ? `${c.kind.toLowerCase()}.${c.apiVersion.split('/')[0] ?? ''}/${c.name}` : '<none>';
    },
  },
  { name: 'Revision', type: 'integer', description: 'The revision number.', cell: (o) => o['revision'] ?? 0 },
  AGE,
];

const cronSpec = (o: KubeObject) => (o['spec'] ?? {}) as { schedule?: string; timeZone?: string; suspend?: boolean };
const cronStatus = (o: KubeObject) => (o['status'] ?? {}) as { active?: unknown[]; lastScheduleTime?: string };
APPS_COLUMNS.CronJob = [
  NAME,
  {
    name: 'Schedule',
    type: 'string',
    description: 'The schedule in Cron format.',
    cell: (o) => cronSpec(o).schedule ?? '',
  },
  {
    name: 'Timezone',
    type: 'string',
    description: 'The time zone name for the given schedule.',
    cell: (o) => cronSpec(o).timeZone ?? '<none>',
  },
  {
    name: 'Suspend',
    type: 'boolean',
    description: 'Whether subsequent executions are suspended.',
    // As the API server's printer writes it: a word, not a JSON boolean.
    cell: (o) => (cronSpec(o).suspend === true ? 'True' : 'False'),
  },
  {
    name: 'Active',
    type: 'integer',
    description: 'The number of currently running jobs.',
    cell: (o) => (cronStatus(o).active ?? []).length,
  },
  {
    name: 'Last Schedule',
    type: 'string',
    description: 'The last time the job was successfully scheduled.',
    cell: (o, now) => {
      const at = Date.parse(cronStatus(o).lastScheduleTime ?? '');
      return Number.isNaN(at) ? '<none>' : humanDuration(now - at);
    },
  },
  AGE,
];

APPS_COLUMNS.StatefulSet = [
  NAME,
  {
    name: 'Ready',
    type: 'string',
    description: 'Number of the pod with ready state',
    cell: (o) =>
      `${(o['status'] as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0}/${(o['spec'] as { replicas?: number } | undefined)?.replicas ?? 1}`,
  },
  AGE,
];

type HpaShape = {
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: {
      type: string;
      resource?: {
        name: string;
        target: { type: string; averageUtilization?: number; averageValue?: string | number };
      };
    }[];
  };
  status?: {
    currentReplicas?: number;
    currentMetrics?: {
      resource?: { name: string; current?: { averageUtilization?: number; averageValue?: string } };
    }[];
  };
};
/** `cpu: 12%/50%`, as kubectl 1.32's printer writes each resource metric (`<unknown>` before a reading). */
function hpaTargets(o: KubeObject): string {
  const h = o as HpaShape;
  const parts = (h.spec?.metrics ?? []).map((m) => {
    const r = m.resource;
    if (!r) return `<unknown>`;
    const now = h.status?.currentMetrics?.find((c) => c.resource?.name === r.name)?.resource?.current;
    if (r.target.type === 'Utilization')
      return `${r.name}: ${now?.averageUtilization !== undefined ? `${now.averageUtilization}%` : '<unknown>'}/${r.target.averageUtilization ?? 0}%`;
    return `${r.name}: ${now?.averageValue ?? '<unknown>'}/${String(r.target.averageValue ?? '')}`;
  });
  return parts.join(', ') || '<none>';
}
APPS_COLUMNS.HorizontalPodAutoscaler = [
  NAME,
  {
    name: 'Reference',
    type: 'string',
    description: 'The scale target',
    cell: (o) =>
      `${(o as HpaShape).spec?.scaleTargetRef?.kind ?? ''}/${(o as HpaShape).spec?.scaleTargetRef?.name ?? ''}`,
  },
  { name: 'Targets', type: 'string', description: 'The current and target metrics', cell: hpaTargets },
  {
    name: 'MinPods',
    type: 'string',
    description: 'The lower limit',
    cell: (o) => String((o as HpaShape).spec?.minReplicas ?? 1),
  },
  {
    name: 'MaxPods',
    type: 'integer',
    description: 'The upper limit',
    cell: (o) => (o as HpaShape).spec?.maxReplicas ?? 0,
  },
  {
    name: 'Replicas',
    type: 'integer',
    description: 'The current replicas',
    cell: (o) => (o as HpaShape).status?.currentReplicas ?? 0,
  },
  AGE,
];
