import { escapeXml } from './model/encode-xml.js';
import type { RawResponse } from './raw.js';

/**
 * The answer to a service berth does not serve, in the protocol its clients read. JSON and query
 * clients get their usual error shapes (dispatch writes those); rest-xml clients (S3, Route 53,
 * CloudFront) read an `<Error>` document and would otherwise print only "400 Bad Request".
 */
const REST_XML = new Map([
  ['s3', 'S3'],
  ['s3-control', 'S3 Control'],
  ['route53', 'Route 53'],
  ['cloudfront', 'CloudFront'],
]);

export const unservedMessage = (signingName: string) =>
  `berth does not serve ${REST_XML.get(signingName) ?? `the '${signingName}' service`}; it serves ECS, ECR, CloudWatch Logs, STS, SSM Parameter Store and Secrets Manager`;

/** A rest-xml answer for a rest-xml service's client, or undefined for any other service. */
export function unservedRestXml(signingName: string, requestId: string): RawResponse | undefined {
  if (!REST_XML.has(signingName)) return undefined;
  return {
    status: 501,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amzn-requestid': requestId },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NotImplemented</Code>` +
      `<Message>${escapeXml(unservedMessage(signingName))}</Message><RequestId>${requestId}</RequestId></Error>`,
  };
}
