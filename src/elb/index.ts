/** The elb module's public face: ELBv2 resources, target registration and the data plane. */
export * from './deps.js';
export { DEFAULT_VPC } from './target-groups.js';
export * from './load-balancers.js';
export * from './target-groups.js';
export * from './listeners.js';
export * from './listener-certificates.js';
export * from './rules.js';
export * from './targets.js';
export * from './tags-ops.js';
export type * from './tables.js';
export { DataPlane, portFree } from './data-plane/data-plane.js';
export { HostsFile } from './data-plane/hosts-file.js';
export { HaproxyEngine } from './data-plane/haproxy-engine.js';
export * from './traffic.js';
