import { MemoryStore } from './memory-store.js';
import { storeConformance } from './store-conformance.js';

storeConformance('memory', (historyLimit) => new MemoryStore(historyLimit));
