/** The wire module's public face: all that other modules may import from it. */
export * from './agent-auth.js';
export * from './agent-protocol.js';
export * from './workload.js';
export * from './workload-state.js';
export * from './service-routes.js';
export * from './exec-stream.js';
