/** The Kubernetes domain: objects of the kinds served, their storage, watches and controllers. */
export type {
  FieldValidation,
  KubeDeps,
  UserInfo as WebhookUser,
  WebhookClient,
  WriteOptions,
  Written,
} from './deps.js';
export {
  KINDS,
  NAMESPACE,
  POD,
  NODE,
  REPLICA_SET,
  REPLICATION_CONTROLLER,
  POD_TEMPLATE,
  RESOURCE_QUOTA,
  LIMIT_RANGE,
  STATEFUL_SET,
  DEPLOYMENT,
  JOB,
  apiVersionOf,
  kindFor,
  type KindDef,
} from './kinds.js';
export { selectorString, type LabelSelectorSpec } from './label-selector.js';
export { metaOf, type KubeObject, type Scope } from './object.js';
export {
  PodHosts,
  HOST_ID_ANNOTATION,
  type ExecHandle,
  type ExecListener,
  type ExecRequest,
  type PodExecSource,
  type PodLogSource,
  type TerminalSize,
} from './pod-hosts.js';
export { workloadIdOf } from './pod-workload.js';
export { type HostSource, type KubeHost } from './nodes.js';
export { startPodControllers } from './controllers.js';
export { startAppsControllers } from './apps-controllers.js';
export { startServiceControllers } from './endpoints.js';
export { ensureClusterDns, ServiceRoutesView } from './service-routes.js';
export { VolumeRemovals } from './volume-removals.js';
export {
  ensureIngressClass,
  IngressModelError,
  startIngressController,
  type IngressLoadBalancerPort,
  type WantedIngressLoadBalancer,
} from './ingress-load-balancers.js';
export type { IngressListener, IngressSettings } from './ingress-annotations.js';
export { PodUsage, metricsRead } from './pod-usage.js';
export { startHpaController } from './hpa.js';
export { startQuotaController } from './quota-controller.js';
export { admitConnect } from './admission-webhooks.js';
export { ensureStorageClass, LOCAL_PATH_CLASS } from './volume-binder.js';
export { ensurePriorityClasses } from './priority-classes.js';
export { startVolumeController } from './volume-controller.js';
export { startDisruptionController } from './disruption.js';
export { evictPod } from './eviction.js';
export { POD_DISRUPTION_BUDGET } from './pdb-kind.js';
export { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from './storage-kinds.js';
export { createObject, getObject, updateObject } from './objects.js';
export { applyObject } from './apply.js';
export { findKind, kindsOf } from './custom-kinds.js';
export { CRD } from './crd-kind.js';
export type { FieldManager } from './managed-fields.js';
export { deleteObject, SYSTEM_NAMESPACES, type Deleted } from './delete.js';
export { listObjects, type ListQuery, type ListResult } from './list.js';
export { watchObjects, type WatchEvent, type WatchQuery } from './watch.js';
export { mergePatch, jsonPatch, strategicMergePatch, META_MERGE_KEYS } from './patch.js';
export { deleteOptionsSchema, type DeleteOptions } from './schemas.js';
export { ensureSystemNamespaces, pruneTombstones, startNamespaceController } from './namespaces.js';

/** The Kubernetes cluster every berth serves (under `/k8s/default`). */
export const KUBE_CLUSTER = 'default';
export { pruneEvents, recordEvent } from './events.js';
export { EVENT } from './event-kind.js';
export { ensureClusterKeys, type ClusterKeys } from './cluster-keys.js';
export { clientCertificate, servingCertificate, rsaKeyPair } from './certificates.js';
export { authenticate, issuerDiscovery, requestToken, type UserInfo } from './service-account-auth.js';
export { API_AUDIENCE } from './service-account-tokens.js';
export { startServiceAccountController } from './service-account-controller.js';
export { ensureApiService } from './api-service.js';
export { SERVICE_ACCOUNT } from './service-account-kind.js';
export {
  LOCAL_SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_REVIEW,
  SELF_SUBJECT_RULES_REVIEW,
  SUBJECT_ACCESS_REVIEW,
  TOKEN_REVIEW,
} from './authentication-kinds.js';
export { authorize, forbiddenMessage, rulesFor, type Attributes, type Decision } from './rbac.js';
export { ensureBootstrapRbac } from './rbac-bootstrap.js';
export { startRbacAggregationController } from './rbac-aggregation.js';
export {
  startLoadBalancerController,
  type LoadBalancerPort,
  type WantedLoadBalancer,
} from './service-load-balancers.js';
export { checkEscalation } from './rbac-escalation.js';
export type { PolicyRule } from './rbac-kinds.js';
export { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING } from './rbac-kinds.js';
export { API_SERVICE_IP } from './service-rules.js';
export { awsUser, type AwsIdentity } from './aws-auth.js';
