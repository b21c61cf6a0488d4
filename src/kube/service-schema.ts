import { z } from 'zod';
import { typeMeta } from './schemas.js';

/** Service (core/v1), Endpoints (core/v1) and EndpointSlice (discovery.k8s.io/v1), strict as the others. */
const int = z.number().int();
const loose = z.record(z.string(), z.unknown());
const stringMap = z.record(z.string(), z.string());

const servicePort = z.strictObject({
  name: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: z.string().optional(),
  port: int,
  targetPort: z.union([int, z.string()]).optional(),
  nodePort: int.optional(),
});

export const serviceSchema = z.strictObject({
  ...typeMeta,
  spec: z
    .strictObject({
      ports: z.array(servicePort).nullable().optional(),
      selector: stringMap.nullable().optional(),
      clusterIP: z.string().optional(),
      clusterIPs: z.array(z.string()).nullable().optional(),
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
      externalIPs: z.array(z.string()).nullable().optional(),
      sessionAffinity: z.enum(['None', 'ClientIP']).optional(),
      loadBalancerIP: z.string().optional(),
      loadBalancerSourceRanges: z.array(z.string()).nullable().optional(),
      externalName: z.string().optional(),
      externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
      healthCheckNodePort: int.optional(),
      publishNotReadyAddresses: z.boolean().optional(),
      sessionAffinityConfig: loose.optional(),
      ipFamilies: z
        .array(z.enum(['IPv4', 'IPv6']))
        .nullable()
        .optional(),
      ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
      allocateLoadBalancerNodePorts: z.boolean().optional(),
      loadBalancerClass: z.string().optional(),
      internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
      trafficDistribution: z.string().optional(),
    })
    .optional(),
  status: loose.optional(),
});

const objectReference = z.strictObject({
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});
const endpointAddress = z.strictObject({
  ip: z.string(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: objectReference.optional(),
});
const endpointPort = z.strictObject({
  name: z.string().optional(),
  port: int,
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: z.string().optional(),
});

export const endpointSchema = z.strictObject({
  ...typeMeta,
  subsets: z
    .array(
      z.strictObject({
        addresses: z.array(endpointAddress).nullable().optional(),
        notReadyAddresses: z.array(endpointAddress).nullable().optional(),
        ports: z.array(endpointPort).nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
});

export const endpointSliceSchema = z.strictObject({
  ...typeMeta,
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN']),
  endpoints: z.array(
    z.strictObject({
      addresses: z.array(z.string()),
      conditions: z
        .strictObject({
          ready: z.boolean().optional(),
          serving: z.boolean().optional(),
          terminating: z.boolean().optional(),
        })
        .optional(),
      hostname: z.string().optional(),
      targetRef: objectReference.optional(),
      deprecatedTopology: stringMap.optional(),
      nodeName: z.string().optional(),
      zone: z.string().optional(),
      hints: loose.optional(),
    }),
  ),
  ports: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
        port: int.optional(),
        appProtocol: z.string().optional(),
      }),
    )
    .nullable()
    .optional(),
});
