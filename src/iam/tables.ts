import { defineTable } from '../store/index.js';

export interface Tag {
  key: string;
  value: string;
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
