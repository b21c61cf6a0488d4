import { Agent, request } from 'node:http';

/**
 * A light ECS client for benches: requests with SigV4's shape, which berth's open mode requires and
 * does not verify, so the bench's own CPU (signing, the SDK's middleware) does not share the
 * host's cores with what is measured.
 */
export const openModeHeaders = (
  action: string,
  prefix = 'AmazonEC2ContainerServiceV20141113',
): Record<string, string> => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': `${prefix}.${action}`,
  'x-amz-date': '20260101T000000Z',
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/ecs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
});

// Connections kept open: the bench's polls should cost berth's host as little as they can.
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/**
 * One ECS call (another JSON 1.1 service's with its target `prefix`); its JSON answer, or an error naming the action, status and message. Through
 * node:http rather than fetch: a DescribeTasks through fetch took 1.3-2.4 ms of this process's CPU
 * here, through node:http 0.5 ms, and a latency bench polls while the start it times needs the CPU.
 */
export function ecsCall<T>(endpoint: string, action: string, body: object, prefix?: string): Promise<T> {
  const data = JSON.stringify(body);
  const headers = { ...openModeHeaders(action, prefix), 'content-length': String(Buffer.byteLength(data)) };
  return new Promise<T>((resolve, reject) => {
    const req = request(endpoint, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          const out = JSON.parse(Buffer.concat(chunks).toString('utf8')) as T & { message?: string };
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) reject(new Error(`${action}: ${status} ${out.message ?? ''}`));
          else resolve(out);
        } catch (e) {
          reject(new Error(`${action}: ${res.statusCode ?? 0} ${(e as Error).message}`));
        }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
