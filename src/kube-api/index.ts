/** The Kubernetes API face: kubectl and client libraries' REST, watch and discovery over the `kube` module. */
export { kubeApiPlugin, type KubeApiOptions } from './plugin.js';
export { statusOf } from './status.js';
export { podStreamsUpgrade, type PodStreamOptions } from './pod-streams.js';
