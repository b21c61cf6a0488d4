/** The scheduler module's public face: all that other modules may import from it. */
export * from './query/evaluate.js';
export * from './query/parse.js';
export * from './stack.js';
export * from './types.js';
