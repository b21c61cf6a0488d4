import { type Clock, formatArn } from '../kernel/index.js';
import type { SharedStore } from '../store/index.js';
import type { Sealer } from './sealer.js';

export interface IamDeps {
  store: SharedStore;
  clock: Clock;
  accountId: string;
  region: string;
  /** Seals secret values at rest (see sealer.ts). */
  sealer: Sealer;
}

export const now = (deps: IamDeps): number => deps.clock.now().getTime();

/** A parameter's ARN: `parameter/a/b` for `/a/b`, `parameter/a` for `a`. */
export const parameterArn = (deps: IamDeps, name: string): string =>
  formatArn({
    service: 'ssm',
    region: deps.region,
    accountId: deps.accountId,
    resource: `parameter${name.startsWith('/') ? '' : '/'}${name}`,
  });
