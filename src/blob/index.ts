/** The blob module's public face: all that other modules may import from it. */
export * from './digest.js';
export * from './fs-blob-store.js';
export * from './port.js';
