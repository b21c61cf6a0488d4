import { protocolErrors, type AwsError } from '../errors.js';
import { encodeXml, escapeXml } from '../model/encode-xml.js';
import { formPairs, header, queryPairs, type RawRequest, type RawResponse } from '../raw.js';
import type { AwsService } from '../service.js';
import type { Protocol } from './protocol.js';
import { queryInput } from './query-input.js';

/** The query protocol: form-encoded `Action=…&Version=…` in, XML out. */
export function queryParams(req: RawRequest): Map<string, string> {
  const isForm = (header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
  const pairs = req.method === 'POST' && isForm ? formPairs(req.body.toString('utf8')) : queryPairs(req.rawQuery);
  return new Map(pairs);
}

const xmlns = (service: AwsService | undefined) =>
  service?.model.metadata.xmlNamespace ? ` xmlns="${service.model.metadata.xmlNamespace}"` : '';

export const queryProtocol: Protocol = {
  operation(req, service) {
    const action = queryParams(req).get('Action');
    const op = action ? service.model.operations[action] : undefined;
    if (!op) throw protocolErrors.invalidAction(action ?? '(missing Action)');
    return { op };
  },
  input(req, service, op) {
    return queryInput(service.model, op.input?.shape, queryParams(req));
  },
  result(service, op, output, requestId): RawResponse {
    const wrapper = op.output?.resultWrapper ?? `${op.name}Result`;
    const inner = op.output ? encodeXml(service.model, op.output.shape, output ?? {}) : '';
    return {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body:
        `<${op.name}Response${xmlns(service)}><${wrapper}>${inner}</${wrapper}>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op.name}Response>`,
    };
  },
  error(service, err: AwsError, requestId): RawResponse {
    return {
      status: err.status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body:
        `<ErrorResponse${xmlns(service)}><Error><Type>${err.sender ? 'Sender' : 'Receiver'}</Type>` +
        `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  },
};
