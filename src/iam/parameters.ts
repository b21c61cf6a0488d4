import { alreadyExists, compileLinear, invalidParameter, limitExceeded, notFound } from '../kernel/index.js';
import type { ReadTx } from '../store/index.js';
import { now, type IamDeps } from './deps.js';
import type { Sealer } from './sealer.js';
import { mergeTags, parameters, type ParameterRecord, type ParameterVersion, type Tag } from './tables.js';

/** AWS keeps a parameter's last 100 versions. */
const MAX_VERSIONS = 100;
const MAX_LABELS_PER_VERSION = 10;
const VALUE_LIMIT = { Standard: 4096, Advanced: 8192 } as const;

export interface PutParameterInput {
  name: string;
  value: string;
  type?: string;
  description?: string;
  keyId?: string;
  overwrite?: boolean;
  allowedPattern?: string;
  tags?: Tag[];
  tier?: string;
  policies?: string;
  dataType?: string;
  /** Who writes it (LastModifiedUser). */
  by: string;
}

/** A parameter's value as it is read: one version; `value` opens it when read (not before). */
export interface ParameterValue {
  record: ParameterRecord;
  version: ParameterVersion;
  readonly value: string;
  /** How the name selected it (`:3`, `:prod`), when it did. */
  selector?: string;
}

const validation = (message: string, field: string) => invalidParameter(message, { field });

/** SSM's name rules: letters, digits and `_.-/`; a hierarchy starts with `/`; at most 15 levels. */
export function checkName(name: string, field = 'Name'): void {
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name))
    throw validation(
      `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.`,
      field,
    );
  const bare = name.replace(/^\//, '').toLowerCase();
  if (bare.startsWith('aws') || bare.startsWith('ssm'))
    throw validation(`Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`, field);
  if (name.includes('/') && !name.startsWith('/'))
    throw validation('Parameter name must be a fully qualified name.', field);
  if (name.length > 1011) throw validation('Parameter name must be 1011 characters or fewer.', field);
  if (name.split('/').length - 1 > 15)
    throw validation('A parameter name can have at most 15 levels of hierarchy.', field);
}

/** A name as a request may give it: the name itself, or the parameter's ARN. */
export function nameOf(ref: string): string {
  const m = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(ref);
  if (!m) return ref;
  const rest = m[1] as string;
  // `parameter/a/b` names `/a/b`; `parameter/a` names `a`.
  return rest.indexOf('/', 1) >= 0 ? rest : rest.slice(1);
}

/** A reference's parameter name and selector (`:3`, `:label`), the reference a name or an ARN. */
export function splitRef(ref: string): { name: string; selector?: string } {
  const at = ref.startsWith('arn:') ? ref.indexOf(':', ref.indexOf(':parameter') + 1) : ref.indexOf(':');
  const name = nameOf(at >= 0 ? ref.slice(0, at) : ref);
  return at >= 0 ? { name, selector: ref.slice(at) } : { name };
}

/** The version a selector names (a number, or a label), or the latest. */
function selected(p: ParameterRecord, selector: string | undefined): ParameterVersion | undefined {
  if (selector === undefined) return latestVersion(p);
  const s = selector.slice(1);
  return /^\d+$/.test(s)
    ? p.versions.find((x) => x.version === Number(s))
    : p.versions.find((x) => x.labels.includes(s));
}

/**
 * A parameter's value in a read of the store, for those who hand secrets on (the control plane
 * resolving a workload's secretEnv); undefined when there is no such parameter or version.
 */
export function readParameterValue(tx: ReadTx, sealer: Sealer, ref: string): string | undefined {
  const { name, selector } = splitRef(ref);
  const p = tx.get(parameters, name)?.value;
  const v = p && selected(p, selector);
  return p && v ? sealer.open(v.sealed, p.name) : undefined;
}

export function findParameter(deps: IamDeps, name: string): ParameterRecord | undefined {
  return deps.store.read((tx) => tx.get(parameters, name))?.value;
}

/** A parameter by name; ParameterNotFound if there is none. */
export function parameterRecord(deps: IamDeps, name: string): ParameterRecord {
  const p = findParameter(deps, name);
  if (!p) throw notFound(`Parameter ${name} not found.`, { resource: 'parameter' });
  return p;
}

/** A parameter's newest version (the last kept). */
export const latestVersion = (p: ParameterRecord) => p.versions[p.versions.length - 1] as ParameterVersion;

export function openValue(deps: IamDeps, p: ParameterRecord, v: ParameterVersion): string {
  return deps.sealer.open(v.sealed, p.name);
}

export async function putParameter(deps: IamDeps, i: PutParameterInput): Promise<{ version: number; tier: string }> {
  checkName(i.name);
  if (i.policies) throw validation('Parameter policies are not supported by berth.', 'Policies');
  const dataType = i.dataType ?? 'text';
  if (dataType !== 'text')
    throw validation(`The data type ${dataType} is not supported by berth; use text.`, 'DataType');
  if (i.overwrite && i.tags?.length)
    throw validation(
      "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      'Tags',
    );
  if (i.allowedPattern !== undefined) {
    let re;
    try {
      re = compileLinear(i.allowedPattern);
    } catch {
      throw invalidParameter(`The allowed pattern ${i.allowedPattern} is not a valid regular expression.`, {
        field: 'AllowedPattern',
        reason: 'pattern-invalid',
      });
    }
    if (!re.matches(i.value))
      throw invalidParameter(`Parameter value, cannot be validated against allowedPattern: ${i.allowedPattern}`, {
        field: 'Value',
        reason: 'pattern-mismatch',
      });
  }
  const tier = i.tier === 'Advanced' ? 'Advanced' : 'Standard';
  if (i.tier === 'Intelligent-Tiering' && i.value.length > VALUE_LIMIT.Standard) return put('Advanced');
  return put(tier);

  async function put(t: 'Standard' | 'Advanced') {
    if (i.value.length > VALUE_LIMIT[t])
      throw validation(
        `1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to ${VALUE_LIMIT[t]}.`,
        'Value',
      );
    return await deps.store.transact((tx) => {
      const cur = tx.get(parameters, i.name)?.value;
      if (cur && !i.overwrite)
        throw alreadyExists(
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
          { resource: 'parameter' },
        );
      const type = (i.type ?? cur?.type) as ParameterRecord['type'] | undefined;
      if (!type) throw validation('A parameter type is required when you create a parameter.', 'Type');
      const number = cur ? latestVersion(cur).version + 1 : 1;
      let versions = [...(cur?.versions ?? [])];
      if (versions.length >= MAX_VERSIONS) {
        // The oldest version goes, unless a label still points at it.
        const oldest = versions[0] as ParameterVersion;
        if (oldest.labels.length > 0)
          throw limitExceeded(
            `You attempted to create a new version of ${i.name} by calling the PutParameter API with the overwrite flag. Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
            { reason: 'max-versions' },
          );
        versions = versions.slice(1);
      }
      versions.push({
        version: number,
        sealed: deps.sealer.seal(i.value, i.name),
        modifiedAt: now(deps),
        modifiedBy: i.by,
        ...(i.description !== undefined ? { description: i.description } : {}),
        ...(i.allowedPattern !== undefined ? { allowedPattern: i.allowedPattern } : {}),
        labels: [],
      });
      const keyId = type === 'SecureString' ? (i.keyId ?? cur?.keyId ?? 'alias/aws/ssm') : undefined;
      tx.put(parameters, {
        name: i.name,
        type,
        ...(keyId ? { keyId } : {}),
        tier: cur?.tier === 'Advanced' ? 'Advanced' : t,
        dataType,
        tags: cur?.tags ?? i.tags ?? [],
        versions,
      });
      return { version: number, tier: cur?.tier === 'Advanced' ? 'Advanced' : t };
    });
  }
}

/**
 * A parameter's value by name or ARN, optionally with a selector: `name:3` (a version) or
 * `name:label`.
 */
export function getParameter(deps: IamDeps, ref: string): ParameterValue {
  const { name, selector } = splitRef(ref);
  const p = parameterRecord(deps, name);
  const v = selected(p, selector);
  if (!v) {
    const s = (selector as string).slice(1);
    throw notFound(
      /^\d+$/.test(s)
        ? `Systems Manager could not find version ${s} of ${name}. Verify the version and try again.`
        : `Systems Manager could not find label ${s} of ${name}. Verify the label and try again.`,
      { resource: 'parameter-version' },
    );
  }
  // Opened only when asked: a SecureString shown sealed is never decrypted.
  return {
    record: p,
    version: v,
    get value() {
      return openValue(deps, p, v);
    },
    ...(selector ? { selector } : {}),
  };
}

export async function deleteParameter(deps: IamDeps, name: string): Promise<void> {
  await deps.store.transact((tx) => {
    if (!tx.get(parameters, name)) throw notFound(`Parameter ${name} not found.`, { resource: 'parameter' });
    tx.delete(parameters, name);
  });
}

/**
 * Attaches labels to a version (the latest by default); a label already on another version moves.
 * Labels that break the rules come back as invalid, the others are applied.
 */
export async function labelParameterVersion(
  deps: IamDeps,
  name: string,
  labels: string[],
  version?: number,
): Promise<{ invalid: string[]; version: number }> {
  const invalid = labels.filter((l) => !/^[a-zA-Z0-9_.-]{1,100}$/.test(l) || /^\d/.test(l) || /^(aws|ssm)/i.test(l));
  const good = labels.filter((l) => !invalid.includes(l));
  return await deps.store.transact((tx) => {
    const p = tx.get(parameters, name)?.value;
    if (!p) throw notFound(`Parameter ${name} not found.`, { resource: 'parameter' });
    const target = version ?? latestVersion(p).version;
    if (!p.versions.some((v) => v.version === target))
      throw notFound(`Systems Manager could not find version ${target} of ${name}. Verify the version and try again.`, {
        resource: 'parameter-version',
      });
    const versions = p.versions.map((v) =>
      v.version === target
        ? { ...v, labels: [...new Set([...v.labels, ...good])] }
        : { ...v, labels: v.labels.filter((l) => !good.includes(l)) },
    );
    const after = versions.find((v) => v.version === target) as ParameterVersion;
    if (after.labels.length > MAX_LABELS_PER_VERSION)
      throw limitExceeded(
        'An error occurred when attempting to label parameter version. A parameter version can have a maximum of 10 labels.',
        { reason: 'too-many-labels' },
      );
    tx.put(parameters, { ...p, versions });
    return { invalid, version: target };
  });
}

/** The parameter's tags changed: `add` set (a key already there takes the new value), `remove` dropped. */
export async function tagParameter(deps: IamDeps, name: string, add: Tag[], remove: string[] = []): Promise<Tag[]> {
  return await deps.store.transact((tx) => {
    const p = tx.get(parameters, name)?.value;
    if (!p) throw notFound(`Parameter ${name} not found.`, { resource: 'parameter', field: 'ResourceId' });
    const tags = mergeTags(p.tags, add, remove);
    if (tags.length > 50) throw limitExceeded('A resource can have at most 50 tags.', { reason: 'too-many-tags' });
    tx.put(parameters, { ...p, tags });
    return tags;
  });
}
