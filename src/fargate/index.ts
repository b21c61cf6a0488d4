/** The fargate module's public face: all that other modules may import from it. */
export * from './interrupt.js';
export * from './meter.js';
export * from './prices.js';
