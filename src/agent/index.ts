/** The agent module's public face: all that other modules may import from it. */
export * from './agent.js';
export * from './images/image-store.js';
export * from './runtime/runtime.js';
