/** The server module's public face: all that other modules may import from it. */
export * from './agent-process.js';
export * from './berth.js';
export * from './config.js';
export * from './local-agent.js';
export type { TopReply, TopRow } from './top-endpoint.js';
export * from './version.js';
export * from './kubeconfig.js';
export { KUBE_CLUSTER_ATTRIBUTE } from '../wire/index.js';
