import { randomUUID } from 'node:crypto';

/** What every domain call knows about the request that caused it. */
export interface RequestContext {
  readonly requestId: string;
  readonly accountId: string;
  readonly region: string;
  /** The caller's access key id when the request was signed. */
  readonly accessKeyId?: string;
  /** Who signed the request, when berth knows (an IAM user, a role session, the root). */
  readonly caller?: { readonly arn: string; readonly userId: string };
  readonly signal: AbortSignal;
}

export function newRequestId(): string {
  return randomUUID();
}

export function createContext(
  init: Partial<RequestContext> & Pick<RequestContext, 'accountId' | 'region'>,
): RequestContext {
  return {
    requestId: init.requestId ?? newRequestId(),
    accountId: init.accountId,
    region: init.region,
    ...(init.accessKeyId !== undefined ? { accessKeyId: init.accessKeyId } : {}),
    ...(init.caller !== undefined ? { caller: init.caller } : {}),
    signal: init.signal ?? new AbortController().signal,
  };
}
