import type { Clock, Logger } from '../kernel/index.js';
import type { SharedStore } from '../store/index.js';

/** What the Kubernetes domain needs: the store its objects live in, and the time. */
export interface KubeDeps {
  store: SharedStore;
  clock: Clock;
  logger?: Logger;
  /** How admission webhooks are called (none: a write that a webhook must see fails as its call would). */
  webhooks?: WebhookClient;
}

/** How a write treats fields its kind does not have (the request's fieldValidation). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Who writes (an Update in managedFields): the fields it changes become its own. */
  manager?: import('./managed-fields.js').FieldManager;
  /** Who writes, as admission webhooks are told (none: the controllers). */
  user?: UserInfo;
  /** A write of the status subresource: only the status changes. */
  statusOnly?: boolean;
  /**
   * Run in the write's transaction with what is about to be stored (and what it replaces): throws
   * to refuse it (RBAC's escalation check, which needs the caller).
   */
  guard?: (
    tx: import('../store/index.js').ReadTx,
    kind: import('./kind-def.js').KindDef,
    next: import('./object.js').KubeObject,
    prev: import('./object.js').KubeObject | undefined,
  ) => void;
}

/** A write's answer: the object as stored, and the warnings for the response's Warning headers. */
export interface Written {
  object: import('./object.js').KubeObject;
  warnings: string[];
}

/** How admission webhooks are called over HTTPS (admission-webhooks.ts). */
export interface WebhookClient {
  /**
   * POSTs a JSON body over HTTPS, trusting `caBundle` (PEM) when given, checking the server's
   * certificate for `serverName` (the URL's host otherwise); the answer's body parsed as JSON.
   */
  post(url: string, body: unknown, o: { caBundle?: string; serverName?: string; timeoutMs: number }): Promise<unknown>;
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
}
