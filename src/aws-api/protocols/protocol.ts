import type { AwsError } from '../errors.js';
import type { OperationModel } from '../model/types.js';
import type { RawRequest, RawResponse } from '../raw.js';
import type { AwsService } from '../service.js';

/** One AWS wire protocol: how it names operations, carries input, writes results and errors. */
export interface Protocol {
  operation(req: RawRequest, service: AwsService): { op: OperationModel; labels?: Record<string, string> };
  /** The operation's input as plain values, before the model checks it. */
  input(req: RawRequest, service: AwsService, op: OperationModel, labels?: Record<string, string>): unknown;
  result(service: AwsService, op: OperationModel, output: unknown, requestId: string): RawResponse;
  error(service: AwsService | undefined, err: AwsError, requestId: string): RawResponse;
}
