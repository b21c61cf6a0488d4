import type { BerthError, RequestContext } from '../kernel/index.js';
import { loadModel, signingName } from './model/load.js';
import type { ServiceModel } from './model/types.js';

// Handlers are typed by each service with the @aws-sdk/client-* input/output types; the table is
// heterogeneous, so it stores them erased.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any, ctx: RequestContext) => unknown;

export interface AwsService {
  /** Folder under models/ holding the official model. */
  readonly id: string;
  readonly model: ServiceModel;
  readonly signingName: string;
  readonly handlers: Readonly<Record<string, Handler>>;
  /** The code AWS uses for a request that breaks the model's constraints. */
  readonly validationErrorCode: string;
  /** A service's precise code for a domain error (e.g. ClusterNotFoundException), if it has one. */
  readonly errorCode?: (e: BerthError) => string | undefined;
  /** A resource's tags by ARN, for policies' `aws:ResourceTag/…` (undefined: no such resource). */
  readonly resourceTags?: (arn: string) => readonly { key: string; value: string }[] | undefined;
}

export interface ServiceOptions {
  handlers: Record<string, Handler>;
  validationErrorCode?: string;
  errorCode?: (e: BerthError) => string | undefined;
  resourceTags?: (arn: string) => readonly { key: string; value: string }[] | undefined;
}

export function defineService(id: string, options: ServiceOptions): AwsService {
  const model = loadModel(id);
  for (const op of Object.keys(options.handlers)) {
    if (!model.operations[op]) throw new Error(`${id}: '${op}' is not an operation of the model`);
  }
  return {
    id,
    model,
    signingName: signingName(model),
    handlers: options.handlers,
    validationErrorCode:
      options.validationErrorCode ?? (model.metadata.protocol === 'query' ? 'ValidationError' : 'ValidationException'),
    ...(options.errorCode ? { errorCode: options.errorCode } : {}),
    ...(options.resourceTags ? { resourceTags: options.resourceTags } : {}),
  };
}
