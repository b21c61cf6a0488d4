/** The iam module's public face: identity and secrets (SSM Parameter Store, Secrets Manager). */
export * from './deps.js';
export * from './parameter-queries.js';
export * from './parameters.js';
export * from './sealer.js';
export * from './tables.js';
export * from './secret-reads.js';
export * from './secrets.js';
export * from './entities.js';
export * from './identity-tables.js';
export * from './managed-policies.js';
export * from './managed.js';
export * from './policy/document.js';
export * from './policy/evaluate.js';
export * from './principals.js';
export * from './roles.js';
export * from './sts.js';
export * from './users.js';
export type { ConditionContext } from './policy/conditions.js';
