/** The iam module's public face: identity and secrets (today: SSM Parameter Store). */
export * from './deps.js';
export * from './parameter-queries.js';
export * from './parameters.js';
export * from './sealer.js';
export * from './tables.js';
