/** The iam module's public face: identity and secrets (SSM Parameter Store, Secrets Manager). */
export * from './deps.js';
export * from './parameter-queries.js';
export * from './parameters.js';
export * from './sealer.js';
export * from './tables.js';
export * from './secret-reads.js';
export * from './secrets.js';
