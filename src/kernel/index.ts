/** The kernel module's public face: all that other modules may import from it. */
export * from './arn.js';
export * from './clock.js';
export * from './context.js';
export * from './errors.js';
export * from './fetch-cause.js';
export * from './ids.js';
export * from './informer.js';
export * from './lifecycle.js';
export * from './linear-regex.js';
export * from './logger.js';
export * from './process.js';
export * from './regions.js';
export * from './safe-json.js';
export * from './wildcard.js';
export * from './work-queue.js';
export * from './metric-datum.js';
export * from './image-ref.js';
