import { JsonDepthError, parseJson } from '../../kernel/index.js';
import { protocolErrors, type AwsError } from '../errors.js';
import { encodeJsonText } from '../model/encode-json.js';
import { header, type RawRequest, type RawResponse } from '../raw.js';
import type { AwsService } from '../service.js';
import { queryCompatible } from './query-compatible.js';
import type { Protocol } from './protocol.js';

/** awsJson1_0 / awsJson1_1: POST /, operation in X-Amz-Target, JSON in and out. */
export function contentType(service: AwsService | undefined): string {
  return `application/x-amz-json-${service?.model.metadata.jsonVersion ?? '1.1'}`;
}

export function jsonError(service: AwsService | undefined, err: AwsError, requestId: string): RawResponse {
  const { type, headers } = queryCompatible(service, err);
  return {
    status: err.status,
    headers: {
      'content-type': contentType(service),
      'x-amzn-errortype': err.code,
      'x-amzn-requestid': requestId,
      ...headers,
    },
    body: JSON.stringify({ __type: type, message: err.message }),
  };
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = parseJson(body.toString('utf8'));
  } catch (e) {
    if (e instanceof JsonDepthError) throw protocolErrors.serialization(`Malformed request body: ${e.message}`);
    throw protocolErrors.serialization(`Malformed JSON in request body: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw protocolErrors.serialization('The request body must be a JSON object');
  }
  return parsed;
}

export const jsonProtocol: Protocol = {
  operation(req: RawRequest, service: AwsService) {
    const target = header(req, 'x-amz-target') ?? '';
    const dot = target.lastIndexOf('.');
    const name = target.slice(dot + 1);
    const op =
      target.slice(0, dot) === service.model.metadata.targetPrefix ? service.model.operations[name] : undefined;
    if (!op) throw protocolErrors.unknownOperation(target);
    return { op };
  },
  input: (req) => parseJsonBody(req.body),
  result(service, op, output, requestId) {
    const body = op.output ? encodeJsonText(service.model, op.output.shape, output ?? {}) : undefined;
    return {
      status: 200,
      headers: { 'content-type': contentType(service), 'x-amzn-requestid': requestId },
      body: body ?? '{}',
    };
  },
  error: jsonError,
};
