import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { withoutPrototypes } from '../../kernel/index.js';
import type { Shape, ServiceModel, StructureShape } from './types.js';

/** `models/` sits at the package root, three levels above this file in both src/ and dist/. */
const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models');

const cache = new Map<string, ServiceModel>();

/** Loads `models/<service>/service-2.json.gz`, the official model vendored from botocore. */
export function loadModel(service: string): ServiceModel {
  let m = cache.get(service);
  if (!m) {
    const raw = readFileSync(join(modelsDir, service, 'service-2.json.gz'));
    // Prototype-less, so an operation, shape or member named by a request (`toString`,
    // `__proto__`) finds only what the model defines.
    m = withoutPrototypes(JSON.parse(gunzipSync(raw).toString('utf8')) as ServiceModel);
    cache.set(service, m);
  }
  return m;
}

export function shapeOf(model: ServiceModel, name: string): Shape {
  const s = model.shapes[name];
  if (!s) throw new Error(`model ${model.metadata.serviceId} has no shape '${name}'`);
  return s;
}

export function structureOf(model: ServiceModel, name: string): StructureShape {
  const s = shapeOf(model, name);
  if (s.type !== 'structure') throw new Error(`shape '${name}' is a ${s.type}, not a structure`);
  return s;
}

/** The name SigV4 credential scopes use for a service. */
export function signingName(model: ServiceModel): string {
  return model.metadata.signingName ?? model.metadata.endpointPrefix;
}
