/** The store module's public face: all that other modules may import from it. */
export * from './memory-store.js';
export * from './port.js';
export * from './scoped-store.js';
export * from './sqlite-store.js';
export * from './shared-local.js';
export * from './leadership.js';
export * from './etcd-open.js';
