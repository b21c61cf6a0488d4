import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How an agent proves itself when berth runs with --auth strict: the websocket upgrade carries
 * `Authorization: BERTH-AGENT-HMAC-SHA256 Credential=<access key id>, Date=<ISO time>,
 * Signature=<hex HMAC-SHA256 of "berth-agent\n<Date>" under the secret key>`, with a key from
 * berth's credentials file, as an ECS agent signs its connection with IAM credentials. Without
 * it an agent would be handed registry credentials and every task's definition.
 */
export const AGENT_AUTH_SCHEME = 'BERTH-AGENT-HMAC-SHA256';
const SKEW_MS = 15 * 60_000;

export interface AgentKey {
  accessKeyId: string;
  secretAccessKey: string;
}

const sign = (secret: string, date: string) =>
  createHmac('sha256', secret).update(`berth-agent\n${date}`).digest('hex');

export function agentAuthorization(key: AgentKey, now = new Date()): string {
  const date = now.toISOString();
  return `${AGENT_AUTH_SCHEME} Credential=${key.accessKeyId}, Date=${date}, Signature=${sign(key.secretAccessKey, date)}`;
}

/** Why an upgrade's Authorization header does not prove a known key, or undefined when it does. */
export function agentAuthProblem(
  header: string | undefined,
  secretOf: (accessKeyId: string) => string | undefined,
  now = Date.now(),
): string | undefined {
  if (!header) return 'the agent sent no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)';
  const m = new RegExp(`^${AGENT_AUTH_SCHEME} Credential=([^,\\s]+), Date=([^,\\s]+), Signature=([0-9a-f]{64})$`).exec(
    header,
  );
  if (!m) return 'malformed agent credentials';
  const [, id, date, signature] = m as unknown as [string, string, string, string];
  const secret = secretOf(id);
  if (secret === undefined) return `unknown access key ${id}`;
  const at = Date.parse(date);
  if (!Number.isFinite(at) || Math.abs(now - at) > SKEW_MS) return 'the agent’s clock is more than 15 minutes off';
  const want = Buffer.from(sign(secret, date), 'hex');
  if (!timingSafeEqual(want, Buffer.from(signature, 'hex'))) return 'the agent’s signature does not match';
  return undefined;
}
