import { defineTable } from '../store/index.js';

export interface Tag {
  key: string;
  value: string;
}

/** Tags after a tagging call: `add` set (a key already there takes the new value), `remove` dropped. */
export function mergeTags(tags: readonly Tag[], add: readonly Tag[], remove: readonly string[] = []): Tag[] {
  const byKey = new Map(tags.map((t) => [t.key, t.value]));
  for (const t of add) byKey.set(t.key, t.value);
  for (const k of remove) byKey.delete(k);
  return [...byKey].map(([key, value]) => ({ key, value }));
}

/** One version of a parameter: its value sealed at rest, whatever its type. */
export interface ParameterVersion {
  version: number;
  sealed: string;
  modifiedAt: number;
  modifiedBy: string;
  description?: string;
  allowedPattern?: string;
  labels: string[];
}

/** An SSM parameter with its kept versions (the latest last; AWS keeps 100). */
export interface ParameterRecord {
  name: string;
  type: 'String' | 'StringList' | 'SecureString';
  keyId?: string;
  tier: 'Standard' | 'Advanced';
  dataType: string;
  tags: Tag[];
  versions: ParameterVersion[];
}

export const parameters = defineTable<ParameterRecord>('ssm.parameters', (p) => p.name);

/** One version of a secret: its value sealed at rest (a binary value as base64) and its staging labels. */
export interface SecretVersion {
  id: string;
  sealed: string;
  binary: boolean;
  stages: string[];
  createdAt: number;
}

/** A Secrets Manager secret: its ARN (name plus AWS's six-character suffix) and kept versions, oldest first. */
export interface SecretRecord {
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  versions: SecretVersion[];
  createdAt: number;
  lastChangedAt: number;
  /** Day (ms at 00:00 UTC) of the last read of a value: AWS reports the date only. */
  lastAccessedAt?: number;
  /** Set while the secret is scheduled for deletion: when it was asked, and when it goes. */
  deletedAt?: number;
  deletionDate?: number;
}

export const secrets = defineTable<SecretRecord>('secretsmanager.secrets', (s) => s.name);
