import { type Clock, formatArn } from '../kernel/index.js';
import type { SharedStore } from '../store/index.js';
import type { EventFiles } from './event-files.js';

export interface LogsDeps {
  store: SharedStore;
  clock: Clock;
  accountId: string;
  region: string;
  /**
   * Where events are kept when several servers share the state: event files in the shared
   * directory. None: in the store's own event table.
   */
  events?: EventFiles;
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
