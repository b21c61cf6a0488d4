/** The aws-api module's public face: all that other modules may import from it. */
export * from './auth.js';
export * from './eks-token.js';
export * from './ecr/ecr-service.js';
export * from './ecs/ecs-service.js';
export * from './logs/logs-service.js';
export * from './plugin.js';
export * from './secretsmanager/secrets-service.js';
export * from './iam/iam-service.js';
export * from './service.js';
export * from './ssm/ssm-service.js';
export * from './sts/sts-service.js';
export * from './cloudwatch/cloudwatch-service.js';
export * from './autoscaling/autoscaling-service.js';
export * from './elbv2/elbv2-service.js';
export * from './acm/acm-service.js';
