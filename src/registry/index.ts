/** The registry module's public face: all that other modules may import from it. */
export * from './aliases.js';
export * from './auth-token.js';
export * from './blobs.js';
export * from './deps.js';
export * from './http/registry-plugin.js';
export * from './images.js';
export * from './layer-uploads.js';
export * from './lifecycle/lifecycle.js';
export * from './maintenance.js';
export * from './manifests.js';
export * from './names.js';
export * from './repositories.js';
export * from './repository-settings.js';
export * from './tables.js';
export * from './tag-mutability.js';
