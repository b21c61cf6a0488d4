/** The protobuf messages of the kinds kubectl sends, field by field, from their generated.proto. */
export type Scalar = 'string' | 'bytes' | 'bool' | 'int' | 'time' | 'intOrString';
export type FieldType = Scalar | { msg: Message } | { map: 'string' | 'bytes' | 'quantity' };
export interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** A Go struct embedded inline: its fields are the enclosing object's in JSON (an IngressRule's `http`). */
  inline?: boolean;
}
export type Message = Readonly<Record<number, Field>>;

export const TIME: Message = { 1: { name: 'seconds', type: 'int' }, 2: { name: 'nanos', type: 'int' } };
const OWNER_REFERENCE: Message = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};
export const OBJECT_META: Message = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  4: { name: 'selfLink', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int' },
  11: { name: 'labels', type: { map: 'string' } },
  12: { name: 'annotations', type: { map: 'string' } },
  13: { name: 'ownerReferences', type: { msg: OWNER_REFERENCE }, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};
const OBJECT_REFERENCE: Message = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'namespace', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'fieldPath', type: 'string' },
};
export const meta = { 1: { name: 'metadata', type: { msg: OBJECT_META } } } as const;
/** DeploymentStatus's numbers (all varints in what kubectl sends: zeros). */
const STATUS_IGNORED: Message = Object.fromEntries(
  [1, 2, 3, 4, 5, 7, 8, 9].map((n) => [n, { name: `f${n}`, type: 'int' as const }]),
);
export const QUANTITY: Message = { 1: { name: 'string', type: 'string' } };
export const INT_OR_STRING: Message = {
  1: { name: 'type', type: 'int' },
  2: { name: 'intVal', type: 'int' },
  3: { name: 'strVal', type: 'string' },
};
export const LABEL_SELECTOR: Message = {
  1: { name: 'matchLabels', type: { map: 'string' } },
  2: {
    name: 'matchExpressions',
    type: {
      msg: {
        1: { name: 'key', type: 'string' },
        2: { name: 'operator', type: 'string' },
        3: { name: 'values', type: 'string', repeated: true },
      },
    },
    repeated: true,
  },
};
/** The Container fields kubectl's generators write (`create deployment`, `create job`). */
const CONTAINER: Message = {
  1: { name: 'name', type: 'string' },
  2: { name: 'image', type: 'string' },
  3: { name: 'command', type: 'string', repeated: true },
  4: { name: 'args', type: 'string', repeated: true },
  5: { name: 'workingDir', type: 'string' },
  6: {
    name: 'ports',
    type: {
      msg: {
        1: { name: 'name', type: 'string' },
        2: { name: 'hostPort', type: 'int' },
        3: { name: 'containerPort', type: 'int' },
        4: { name: 'protocol', type: 'string' },
        5: { name: 'hostIP', type: 'string' },
      },
    },
    repeated: true,
  },
  7: {
    name: 'env',
    type: { msg: { 1: { name: 'name', type: 'string' }, 2: { name: 'value', type: 'string' } } },
    repeated: true,
  },
  8: {
    name: 'resources',
    type: {
      msg: { 1: { name: 'limits', type: { map: 'quantity' } }, 2: { name: 'requests', type: { map: 'quantity' } } },
    },
  },
  13: { name: 'terminationMessagePath', type: 'string' },
  14: { name: 'imagePullPolicy', type: 'string' },
  16: { name: 'stdin', type: 'bool' },
  17: { name: 'stdinOnce', type: 'bool' },
  18: { name: 'tty', type: 'bool' },
  20: { name: 'terminationMessagePolicy', type: 'string' },
};
const POD_SPEC: Message = {
  2: { name: 'containers', type: { msg: CONTAINER }, repeated: true },
  3: { name: 'restartPolicy', type: 'string' },
  4: { name: 'terminationGracePeriodSeconds', type: 'int' },
  6: { name: 'dnsPolicy', type: 'string' },
  7: { name: 'nodeSelector', type: { map: 'string' } },
  8: { name: 'serviceAccountName', type: 'string' },
  9: { name: 'serviceAccount', type: 'string' },
  10: { name: 'nodeName', type: 'string' },
  11: { name: 'hostNetwork', type: 'bool' },
  12: { name: 'hostPID', type: 'bool' },
  13: { name: 'hostIPC', type: 'bool' },
  16: { name: 'hostname', type: 'string' },
  17: { name: 'subdomain', type: 'string' },
  19: { name: 'schedulerName', type: 'string' },
  20: { name: 'initContainers', type: { msg: CONTAINER }, repeated: true },
  14: {
    name: 'securityContext',
    type: {
      msg: {
        2: { name: 'runAsUser', type: 'int' },
        3: { name: 'runAsNonRoot', type: 'bool' },
        4: { name: 'supplementalGroups', type: 'int', repeated: true },
        5: { name: 'fsGroup', type: 'int' },
        6: { name: 'runAsGroup', type: 'int' },
      },
    },
  },
  21: { name: 'automountServiceAccountToken', type: 'bool' },
  24: { name: 'priorityClassName', type: 'string' },
  25: { name: 'priority', type: 'int' },
  30: { name: 'enableServiceLinks', type: 'bool' },
  31: { name: 'preemptionPolicy', type: 'string' },
};
const POD_TEMPLATE: Message = {
  ...({ 1: { name: 'metadata', type: { msg: OBJECT_META } } } as Message),
  2: { name: 'spec', type: { msg: POD_SPEC } },
};

/** The kinds kubectl may send as protobuf, by `<apiVersion>/<kind>`. */
/** JobSpec, as `create job` and `create cronjob` send it. */
export const JOB_SPEC: Message = {
  1: { name: 'parallelism', type: 'int' },
  2: { name: 'completions', type: 'int' },
  3: { name: 'activeDeadlineSeconds', type: 'int' },
  4: { name: 'selector', type: { msg: LABEL_SELECTOR } },
  5: { name: 'manualSelector', type: 'bool' },
  6: { name: 'template', type: { msg: POD_TEMPLATE } },
  7: { name: 'backoffLimit', type: 'int' },
  8: { name: 'ttlSecondsAfterFinished', type: 'int' },
  9: { name: 'completionMode', type: 'string' },
  10: { name: 'suspend', type: 'bool' },
  12: { name: 'backoffLimitPerIndex', type: 'int' },
  13: { name: 'maxFailedIndexes', type: 'int' },
  14: { name: 'podReplacementPolicy', type: 'string' },
  16: { name: 'managedBy', type: 'string' },
};

export const KINDS: Readonly<Record<string, Message>> = {
  'v1/Namespace': {
    ...meta,
    2: { name: 'spec', type: { msg: { 1: { name: 'finalizers', type: 'string', repeated: true } } } },
    3: { name: 'status', type: { msg: { 1: { name: 'phase', type: 'string' } } } },
  },
  'v1/ConfigMap': {
    ...meta,
    2: { name: 'data', type: { map: 'string' } },
    3: { name: 'binaryData', type: { map: 'bytes' } },
    4: { name: 'immutable', type: 'bool' },
  },
  'v1/Secret': {
    ...meta,
    2: { name: 'data', type: { map: 'bytes' } },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: { map: 'string' } },
    5: { name: 'immutable', type: 'bool' },
  },
  'apps/v1/Deployment': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: { name: 'replicas', type: 'int' },
          2: { name: 'selector', type: { msg: LABEL_SELECTOR } },
          3: { name: 'template', type: { msg: POD_TEMPLATE } },
          4: {
            name: 'strategy',
            type: {
              msg: {
                1: { name: 'type', type: 'string' },
                2: {
                  name: 'rollingUpdate',
                  type: {
                    msg: {
                      1: { name: 'maxUnavailable', type: 'intOrString' },
                      2: { name: 'maxSurge', type: 'intOrString' },
                    },
                  },
                },
              },
            },
          },
          5: { name: 'minReadySeconds', type: 'int' },
          6: { name: 'revisionHistoryLimit', type: 'int' },
          7: { name: 'paused', type: 'bool' },
          9: { name: 'progressDeadlineSeconds', type: 'int' },
        },
      },
    },
    // The status a client sends is the server's to write: read and dropped.
    3: { name: 'status', type: { msg: STATUS_IGNORED } },
  },
  'batch/v1/Job': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: JOB_SPEC,
      },
    },
    // JobStatus as a client sends it (zeros, an empty completedIndexes): read and dropped.
    3: {
      name: 'status',
      type: {
        msg: {
          4: { name: 'active', type: 'int' },
          5: { name: 'succeeded', type: 'int' },
          6: { name: 'failed', type: 'int' },
          7: { name: 'completedIndexes', type: 'string' },
          9: { name: 'ready', type: 'int' },
          11: { name: 'terminating', type: 'int' },
        },
      },
    },
  },
  'v1/ServiceAccount': {
    ...meta,
    2: { name: 'secrets', type: { msg: OBJECT_REFERENCE }, repeated: true },
    3: { name: 'imagePullSecrets', type: { msg: { 1: { name: 'name', type: 'string' } } }, repeated: true },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
};
