/** The logs module's public face: all that other modules may import from it. */
export * from './deps.js';
export * from './event-files.js';
export * from './event-upkeep.js';
export * from './filter-events.js';
export * from './groups.js';
export * from './ingest.js';
export * from './put-events.js';
export * from './read-events.js';
export * from './streams.js';
export * from './tables.js';
