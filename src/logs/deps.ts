import type { Clock } from '../kernel/clock.js';
import { formatArn } from '../kernel/arn.js';
import type { Store } from '../store/port.js';

export interface LogsDeps {
  store: Store;
  clock: Clock;
  accountId: string;
  region: string;
}

export const now = (deps: LogsDeps) => deps.clock.now().getTime();

export const groupArn = (deps: LogsDeps, group: string) =>
  formatArn({ service: 'logs', region: deps.region, accountId: deps.accountId, resource: `log-group:${group}` });
export const streamArn = (deps: LogsDeps, group: string, stream: string) =>
  formatArn({
    service: 'logs',
    region: deps.region,
    accountId: deps.accountId,
    resource: `log-group:${group}:log-stream:${stream}`,
  });
