import { randomBytes, randomUUID } from 'node:crypto';

/** 32 hex characters: the shape of ECS task and container-instance ids. */
export function hexId(): string {
  return randomBytes(16).toString('hex');
}

export function uuid(): string {
  return randomUUID();
}
