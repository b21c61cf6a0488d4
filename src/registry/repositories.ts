import { formatArn, alreadyExists, conflict, notFound } from '../kernel/index.js';
import type { TableDef, WriteTx } from '../store/index.js';
import { now, type RegistryDeps } from './deps.js';
import { checkRepositoryName } from './names.js';
import { blobLinks, imageTags, manifests, referrers, repositories, uploads, type RepositoryRecord } from './tables.js';

export const repositoryNotFound = (deps: RegistryDeps, name: string) =>
  notFound(`The repository with name '${name}' does not exist in the registry with id '${deps.accountId}'`, {
    resource: 'repository',
  });

export function getRepository(deps: RegistryDeps, name: string): RepositoryRecord {
  const r = deps.store.read((tx) => tx.get(repositories, name));
  if (!r) throw repositoryNotFound(deps, name);
  return r.value;
}

export interface CreateRepositoryInput {
  repositoryName: string;
  tags?: { Key: string; Value: string }[];
  imageTagMutability?: string;
  imageTagMutabilityExclusionFilters?: { filterType: string; filter: string }[];
  imageScanningConfiguration?: { scanOnPush?: boolean };
  encryptionConfiguration?: { encryptionType: string; kmsKey?: string };
}

export function newRepository(deps: RegistryDeps, input: CreateRepositoryInput): RepositoryRecord {
  const name = checkRepositoryName(input.repositoryName);
  return {
    name,
    arn: formatArn({ service: 'ecr', region: deps.region, accountId: deps.accountId, resource: `repository/${name}` }),
    registryId: deps.accountId,
    createdAt: now(deps),
    imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
    ...(input.imageTagMutabilityExclusionFilters
      ? { imageTagMutabilityExclusionFilters: input.imageTagMutabilityExclusionFilters }
      : {}),
    imageScanningConfiguration: { scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false },
    encryptionConfiguration: encryption(deps, input.encryptionConfiguration),
    tags: input.tags ?? [],
  };
}

/** KMS without a key means ECR's AWS managed key (alias aws/ecr), which ECR then names. */
function encryption(
  deps: RegistryDeps,
  c: { encryptionType: string; kmsKey?: string } | undefined,
): { encryptionType: string; kmsKey?: string } {
  if (!c) return { encryptionType: 'AES256' };
  if (c.encryptionType.startsWith('KMS') && !c.kmsKey)
    return { ...c, kmsKey: `arn:aws:kms:${deps.region}:${deps.accountId}:alias/aws/ecr` };
  return c;
}

export async function createRepository(deps: RegistryDeps, input: CreateRepositoryInput): Promise<RepositoryRecord> {
  const rec = newRepository(deps, input);
  return await deps.store.transact((tx) => {
    if (tx.get(repositories, rec.name)) {
      throw alreadyExists(
        `The repository with name '${rec.name}' already exists in the registry with id '${deps.accountId}'`,
        { resource: 'repository' },
      );
    }
    return tx.put(repositories, rec).value;
  });
}

/** Removes a repository and every row that hangs off it; refuses a non-empty one unless forced. */
export async function deleteRepository(deps: RegistryDeps, name: string, force: boolean): Promise<RepositoryRecord> {
  return await deps.store.transact((tx) => {
    const repo = tx.get(repositories, name);
    if (!repo) throw repositoryNotFound(deps, name);
    const images = tx.count(manifests, `${name}@`);
    if (images > 0 && !force) {
      throw conflict(
        `The repository with name '${name}' in registry with id '${deps.accountId}' cannot be deleted because it still contains images`,
        { resource: 'repository', reason: 'not-empty' },
      );
    }
    purge(tx, name);
    tx.delete(repositories, name);
    return repo.value;
  });
}

function deleteAll<T>(tx: WriteTx, table: TableDef<T>, prefix: string): void {
  for (const e of tx.list(table, { prefix })) tx.delete(table, e.key);
}

function purge(tx: WriteTx, name: string): void {
  deleteAll(tx, manifests, `${name}@`);
  deleteAll(tx, blobLinks, `${name}@`);
  deleteAll(tx, referrers, `${name}@`);
  deleteAll(tx, imageTags, `${name}:`);
  for (const e of tx.list(uploads)) if (e.value.repo === name) tx.delete(uploads, e.key);
}

/** Finds the repository for a push, creating it first when the registry is set to. */
export async function repositoryForPush(deps: RegistryDeps, name: string): Promise<RepositoryRecord> {
  const existing = deps.store.read((tx) => tx.get(repositories, name));
  if (existing) return existing.value;
  if (!deps.createOnPush) throw repositoryNotFound(deps, name);
  const rec = newRepository(deps, { repositoryName: name });
  return await deps.store.transact((tx) => tx.get(repositories, name)?.value ?? tx.put(repositories, rec).value);
}

export const repositoryUri = (deps: RegistryDeps, name: string) => `${deps.registryHost}/${name}`;
