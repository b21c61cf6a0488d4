/** The fields of an image's config that the agent reads. */
export interface ImageConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;

/**
 * The fields of an image's config that the agent reads, as it uses them: `docker build` writes
 * `"WorkingDir": ""`, `"User": ""`, `"Entrypoint": null` and `"Cmd": null` for what a Dockerfile
 * did not set, and every one of those means "not set" (Docker and ECS then run in `/`, as root,
 * with no entrypoint). Anything else that is not the right type is dropped the same way.
 */
export function imageConfig(raw: unknown): ImageConfig {
  const c = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const out: ImageConfig = {};
  const env = strings(c['Env']);
  const cmd = strings(c['Cmd']);
  const entrypoint = strings(c['Entrypoint']);
  const workingDir = text(c['WorkingDir']);
  const user = text(c['User']);
  if (env) out.Env = env;
  if (cmd) out.Cmd = cmd;
  if (entrypoint) out.Entrypoint = entrypoint;
  if (workingDir) out.WorkingDir = workingDir;
  if (user) out.User = user;
  return out;
}
