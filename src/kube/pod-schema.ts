import { z } from 'zod';
import { typeMeta } from './schemas.js';

/**
 * The Pod and Node kinds' shapes (core/v1), strict like the others. Structures berth reads are
 * spelled out; ones it does not act on yet are taken as objects (`loose`) so that manifests
 * carrying them are accepted, and the pod's checks (pod-rules.ts) refuse those that would change
 * what runs where (affinity, spread constraints) as not implemented.
 */
const loose = z.record(z.string(), z.unknown());
const int = z.number().int();
const quantity = z.union([z.string(), z.number()]);
const intOrString = z.union([z.string(), int]);

const keyRef = z.strictObject({ name: z.string().optional(), key: z.string(), optional: z.boolean().optional() });
const fieldRef = z.strictObject({ apiVersion: z.string().optional(), fieldPath: z.string() });
const resourceFieldRef = z.strictObject({
  containerName: z.string().optional(),
  resource: z.string(),
  divisor: quantity.optional(),
});

const envVar = z.strictObject({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .strictObject({
      configMapKeyRef: keyRef.optional(),
      secretKeyRef: keyRef.optional(),
      fieldRef: fieldRef.optional(),
      resourceFieldRef: resourceFieldRef.optional(),
    })
    .optional(),
});

const sourceRef = z.strictObject({ name: z.string().optional(), optional: z.boolean().optional() });
const envFrom = z.strictObject({
  prefix: z.string().optional(),
  configMapRef: sourceRef.optional(),
  secretRef: sourceRef.optional(),
});

/** A ConfigMap's or Secret's keys as files, and the downward API's fields. */
const keyToPath = z.strictObject({ key: z.string(), path: z.string(), mode: int.optional() });
const configMapProjection = z.strictObject({
  name: z.string().optional(),
  items: z.array(keyToPath).optional(),
  optional: z.boolean().optional(),
});
const downwardFile = z.strictObject({
  path: z.string(),
  fieldRef: fieldRef.optional(),
  resourceFieldRef: resourceFieldRef.optional(),
  mode: int.optional(),
});
const downwardProjection = z.strictObject({ items: z.array(downwardFile).optional() });

const containerPort = z.strictObject({
  name: z.string().optional(),
  containerPort: int,
  hostPort: int.optional(),
  hostIP: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});

const probe = z.strictObject({
  exec: z.strictObject({ command: z.array(z.string()).optional() }).optional(),
  httpGet: z
    .strictObject({
      path: z.string().optional(),
      port: intOrString,
      host: z.string().optional(),
      scheme: z.enum(['HTTP', 'HTTPS']).optional(),
      httpHeaders: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
    })
    .optional(),
  tcpSocket: z.strictObject({ port: intOrString, host: z.string().optional() }).optional(),
  grpc: loose.optional(),
  initialDelaySeconds: int.optional(),
  timeoutSeconds: int.optional(),
  periodSeconds: int.optional(),
  successThreshold: int.optional(),
  failureThreshold: int.optional(),
  terminationGracePeriodSeconds: int.optional(),
});

const resources = z.strictObject({
  limits: z.record(z.string(), quantity).optional(),
  requests: z.record(z.string(), quantity).optional(),
  claims: z.array(loose).optional(),
});

export const containerSchema = z.strictObject({
  name: z.string(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  ports: z.array(containerPort).optional(),
  envFrom: z.array(envFrom).optional(),
  env: z.array(envVar).optional(),
  resources: resources.optional(),
  resizePolicy: z.array(loose).optional(),
  restartPolicy: z.enum(['Always']).optional(),
  volumeMounts: z
    .array(
      z.strictObject({
        name: z.string(),
        mountPath: z.string(),
        readOnly: z.boolean().optional(),
        subPath: z.string().optional(),
        subPathExpr: z.string().optional(),
        mountPropagation: z.string().optional(),
        recursiveReadOnly: z.string().optional(),
      }),
    )
    .optional(),
  volumeDevices: z.array(loose).optional(),
  livenessProbe: probe.optional(),
  readinessProbe: probe.optional(),
  startupProbe: probe.optional(),
  lifecycle: loose.optional(),
  terminationMessagePath: z.string().optional(),
  terminationMessagePolicy: z.string().optional(),
  imagePullPolicy: z.enum(['Always', 'Never', 'IfNotPresent']).optional(),
  securityContext: loose.optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
});

const volume = z
  .object({
    name: z.string(),
    emptyDir: z.strictObject({ medium: z.string().optional(), sizeLimit: quantity.optional() }).optional(),
    hostPath: z.strictObject({ path: z.string(), type: z.string().optional() }).optional(),
    persistentVolumeClaim: z.strictObject({ claimName: z.string(), readOnly: z.boolean().optional() }).optional(),
    configMap: configMapProjection.extend({ defaultMode: int.optional() }).optional(),
    secret: z
      .strictObject({
        secretName: z.string().optional(),
        items: z.array(keyToPath).optional(),
        defaultMode: int.optional(),
        optional: z.boolean().optional(),
      })
      .optional(),
    downwardAPI: downwardProjection.extend({ defaultMode: int.optional() }).optional(),
    projected: z
      .strictObject({
        sources: z
          .array(
            z.strictObject({
              configMap: configMapProjection.optional(),
              secret: configMapProjection.optional(),
              downwardAPI: downwardProjection.optional(),
              serviceAccountToken: z
                .strictObject({ audience: z.string().optional(), expirationSeconds: int.optional(), path: z.string() })
                .optional(),
              clusterTrustBundle: loose.optional(),
            }),
          )
          .optional(),
        defaultMode: int.optional(),
      })
      .optional(),
  })
  .catchall(z.unknown());

export const podSpecSchema = z.strictObject({
  volumes: z.array(volume).optional(),
  initContainers: z.array(containerSchema).optional(),
  containers: z.array(containerSchema),
  ephemeralContainers: z.array(loose).optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  terminationGracePeriodSeconds: int.optional(),
  activeDeadlineSeconds: int.optional(),
  dnsPolicy: z.string().optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  serviceAccountName: z.string().optional(),
  serviceAccount: z.string().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  nodeName: z.string().optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  shareProcessNamespace: z.boolean().optional(),
  securityContext: loose.optional(),
  imagePullSecrets: z.array(z.strictObject({ name: z.string().optional() })).optional(),
  hostname: z.string().optional(),
  subdomain: z.string().optional(),
  affinity: loose.optional(),
  schedulerName: z.string().optional(),
  tolerations: z.array(loose).optional(),
  hostAliases: z.array(z.strictObject({ ip: z.string(), hostnames: z.array(z.string()).optional() })).optional(),
  priorityClassName: z.string().optional(),
  priority: int.optional(),
  dnsConfig: loose.optional(),
  readinessGates: z.array(loose).optional(),
  runtimeClassName: z.string().optional(),
  enableServiceLinks: z.boolean().optional(),
  preemptionPolicy: z.string().optional(),
  overhead: z.record(z.string(), quantity).optional(),
  topologySpreadConstraints: z.array(loose).optional(),
  setHostnameAsFQDN: z.boolean().optional(),
  os: loose.optional(),
  hostUsers: z.boolean().optional(),
  schedulingGates: z.array(loose).optional(),
  resourceClaims: z.array(loose).optional(),
});

export const podSchema = z.strictObject({
  ...typeMeta,
  spec: podSpecSchema,
  status: loose.optional(),
});

export const nodeSchema = z.strictObject({
  ...typeMeta,
  spec: loose.optional(),
  status: loose.optional(),
});
