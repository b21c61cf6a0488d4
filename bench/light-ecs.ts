/**
 * A light ECS client for benches: requests with SigV4's shape, which berth's open mode requires and
 * does not verify, so the bench's own CPU (signing, the SDK's middleware) does not share the
 * host's cores with what is measured.
 */
export const openModeHeaders = (action: string): Record<string, string> => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': `AmazonEC2ContainerServiceV20141113.${action}`,
  'x-amz-date': '20260101T000000Z',
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/ecs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
});

/** One ECS call; its JSON answer, or an error naming the action, status and message. */
export async function ecsCall<T>(endpoint: string, action: string, body: object): Promise<T> {
  const res = await fetch(endpoint, { method: 'POST', headers: openModeHeaders(action), body: JSON.stringify(body) });
  const out = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(`${action}: ${res.status} ${out.message ?? ''}`);
  return out;
}
