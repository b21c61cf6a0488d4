import { JOB_SPEC, LABEL_SELECTOR, meta, OBJECT_META, type Message } from './protobuf-messages.js';

/** Service, CronJob, autoscaling/v1 HorizontalPodAutoscaler, evictions, budgets, Ingress, ResourceQuota and PriorityClass, as kubectl's generators send them. */
const DELETE_OPTIONS: Message = {
  1: { name: 'gracePeriodSeconds', type: 'int' },
  2: {
    name: 'preconditions',
    type: { msg: { 1: { name: 'uid', type: 'string' }, 2: { name: 'resourceVersion', type: 'string' } } },
  },
  3: { name: 'orphanDependents', type: 'bool' },
  4: { name: 'propagationPolicy', type: 'string' },
  5: { name: 'dryRun', type: 'string', repeated: true },
};
const EVICTION: Message = { ...meta, 2: { name: 'deleteOptions', type: { msg: DELETE_OPTIONS } } };
const INGRESS_BACKEND: Message = {
  4: {
    name: 'service',
    type: {
      msg: {
        1: { name: 'name', type: 'string' },
        2: { name: 'port', type: { msg: { 1: { name: 'name', type: 'string' }, 2: { name: 'number', type: 'int' } } } },
      },
    },
  },
  3: {
    name: 'resource',
    type: {
      msg: {
        1: { name: 'apiGroup', type: 'string' },
        2: { name: 'kind', type: 'string' },
        3: { name: 'name', type: 'string' },
      },
    },
  },
};
const HTTP_RULE: Message = {
  1: {
    name: 'paths',
    type: {
      msg: {
        1: { name: 'path', type: 'string' },
        3: { name: 'pathType', type: 'string' },
        2: { name: 'backend', type: { msg: INGRESS_BACKEND } },
      },
    },
    repeated: true,
  },
};

export const MORE_KINDS: Readonly<Record<string, Message>> = {
  'v1/Service': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: {
            name: 'ports',
            type: {
              msg: {
                1: { name: 'name', type: 'string' },
                2: { name: 'protocol', type: 'string' },
                3: { name: 'port', type: 'int' },
                4: { name: 'targetPort', type: 'intOrString' },
                5: { name: 'nodePort', type: 'int' },
                6: { name: 'appProtocol', type: 'string' },
              },
            },
            repeated: true,
          },
          2: { name: 'selector', type: { map: 'string' } },
          3: { name: 'clusterIP', type: 'string' },
          4: { name: 'type', type: 'string' },
          5: { name: 'externalIPs', type: 'string', repeated: true },
          7: { name: 'sessionAffinity', type: 'string' },
          8: { name: 'loadBalancerIP', type: 'string' },
          9: { name: 'loadBalancerSourceRanges', type: 'string', repeated: true },
          10: { name: 'externalName', type: 'string' },
          11: { name: 'externalTrafficPolicy', type: 'string' },
          12: { name: 'healthCheckNodePort', type: 'int' },
          13: { name: 'publishNotReadyAddresses', type: 'bool' },
          17: { name: 'ipFamilyPolicy', type: 'string' },
          18: { name: 'clusterIPs', type: 'string', repeated: true },
          19: { name: 'ipFamilies', type: 'string', repeated: true },
          20: { name: 'allocateLoadBalancerNodePorts', type: 'bool' },
          21: { name: 'loadBalancerClass', type: 'string' },
          22: { name: 'internalTrafficPolicy', type: 'string' },
        },
      },
    },
    // ServiceStatus as a client sends it (an empty loadBalancer): the server's to write.
    3: { name: 'status', type: { msg: { 1: { name: 'loadBalancer', type: { msg: {} } } } } },
  },
  'batch/v1/CronJob': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: { name: 'schedule', type: 'string' },
          2: { name: 'startingDeadlineSeconds', type: 'int' },
          3: { name: 'concurrencyPolicy', type: 'string' },
          4: { name: 'suspend', type: 'bool' },
          5: {
            name: 'jobTemplate',
            type: {
              msg: {
                1: { name: 'metadata', type: { msg: OBJECT_META } },
                2: { name: 'spec', type: { msg: JOB_SPEC } },
              },
            },
          },
          6: { name: 'successfulJobsHistoryLimit', type: 'int' },
          7: { name: 'failedJobsHistoryLimit', type: 'int' },
          8: { name: 'timeZone', type: 'string' },
        },
      },
    },
    // CronJobStatus as a client sends it (empty): the server's to write.
    3: { name: 'status', type: { msg: {} } },
  },
  'autoscaling/v1/HorizontalPodAutoscaler': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: {
            name: 'scaleTargetRef',
            type: {
              msg: {
                1: { name: 'kind', type: 'string' },
                2: { name: 'name', type: 'string' },
                3: { name: 'apiVersion', type: 'string' },
              },
            },
          },
          2: { name: 'minReplicas', type: 'int' },
          3: { name: 'maxReplicas', type: 'int' },
          4: { name: 'targetCPUUtilizationPercentage', type: 'int' },
        },
      },
    },
    // The status a client sends (zeros): the server's to write.
    3: {
      name: 'status',
      type: {
        msg: {
          1: { name: 'observedGeneration', type: 'int' },
          3: { name: 'currentReplicas', type: 'int' },
          4: { name: 'desiredReplicas', type: 'int' },
          5: { name: 'currentCPUUtilizationPercentage', type: 'int' },
        },
      },
    },
  },
  // kubectl drain's evictions (policy/v1, and v1beta1 from older clients).
  'policy/v1/Eviction': EVICTION,
  'policy/v1beta1/Eviction': EVICTION,
  // kubectl create poddisruptionbudget.
  'policy/v1/PodDisruptionBudget': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: { name: 'minAvailable', type: 'intOrString' },
          2: { name: 'selector', type: { msg: LABEL_SELECTOR } },
          3: { name: 'maxUnavailable', type: 'intOrString' },
          4: { name: 'unhealthyPodEvictionPolicy', type: 'string' },
        },
      },
    },
    // The status a client sends (its counts, zeros) is the controller's to write: read and dropped.
    3: {
      name: 'status',
      type: { msg: Object.fromEntries([1, 3, 4, 5, 6].map((n) => [n, { name: `f${n}`, type: 'int' as const }])) },
    },
  },
  // kubectl create ingress.
  'networking.k8s.io/v1/Ingress': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          4: { name: 'ingressClassName', type: 'string' },
          1: { name: 'defaultBackend', type: { msg: INGRESS_BACKEND } },
          2: {
            name: 'tls',
            type: {
              msg: { 1: { name: 'hosts', type: 'string', repeated: true }, 2: { name: 'secretName', type: 'string' } },
            },
            repeated: true,
          },
          3: {
            name: 'rules',
            type: {
              msg: {
                1: { name: 'host', type: 'string' },
                2: {
                  name: 'ingressRuleValue',
                  inline: true,
                  type: { msg: { 1: { name: 'http', type: { msg: HTTP_RULE } } } },
                },
              },
            },
            repeated: true,
          },
        },
      },
    },
    // The status a client sends (empty) is the controller's to write: read and dropped.
    3: { name: 'status', type: { msg: { 1: { name: 'loadBalancer', type: { msg: {} } } } } },
  },
  // kubectl create quota (--hard, --scopes).
  'v1/ResourceQuota': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: { name: 'hard', type: { map: 'quantity' } },
          2: { name: 'scopes', type: 'string', repeated: true },
          3: {
            name: 'scopeSelector',
            type: {
              msg: {
                1: {
                  name: 'matchExpressions',
                  type: {
                    msg: {
                      1: { name: 'scopeName', type: 'string' },
                      2: { name: 'operator', type: 'string' },
                      3: { name: 'values', type: 'string', repeated: true },
                    },
                  },
                  repeated: true,
                },
              },
            },
          },
        },
      },
    },
    // The status a client sends is the controller's to write: read and dropped.
    3: {
      name: 'status',
      type: { msg: { 1: { name: 'hard', type: { map: 'quantity' } }, 2: { name: 'used', type: { map: 'quantity' } } } },
    },
  },
  // kubectl create priorityclass.
  'scheduling.k8s.io/v1/PriorityClass': {
    ...meta,
    2: { name: 'value', type: 'int' },
    3: { name: 'globalDefault', type: 'bool' },
    4: { name: 'description', type: 'string' },
    5: { name: 'preemptionPolicy', type: 'string' },
  },
};
