import { invalidParameter } from './errors.js';

/** arn:partition:service:region:account:resource — the form every ARN berth issues takes. */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export function formatArn(a: Omit<Arn, 'partition'> & { partition?: string }): string {
  return `arn:${a.partition ?? 'aws'}:${a.service}:${a.region}:${a.accountId}:${a.resource}`;
}

export function parseArn(text: string, field = 'arn'): Arn {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') {
    throw invalidParameter(`${field}: '${text}' is not a valid ARN`, { field });
  }
  const [, partition, service, region, accountId] = parts as [string, string, string, string, string];
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

export function isArn(text: string): boolean {
  return text.startsWith('arn:') && text.split(':').length >= 6;
}
