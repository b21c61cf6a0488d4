import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How an agent proves itself when berth runs with --auth strict: the websocket upgrade carries
 * `Authorization: BERTH-AGENT-HMAC-SHA256 Credential=<access key id>, Date=<ISO time>,
 * Agent=<host name>, Nonce=<32 hex>, Signature=<hex HMAC-SHA256 of
 * "berth-agent\n<Date>\n<Agent>\n<Nonce>" under the secret key>`, with a key from berth's
 * credentials file, as an ECS agent signs its connection with IAM credentials. Without it an
 * agent would be handed registry credentials and every task's definition.
 *
 * The signature names the host the agent registers as (its hello must say the same) and a nonce
 * that is good once: a header copied off the wire opens no second connection, and cannot speak
 * for another host.
 */
export const AGENT_AUTH_SCHEME = 'BERTH-AGENT-HMAC-SHA256';
const SKEW_MS = 15 * 60_000;

export interface AgentKey {
  accessKeyId: string;
  secretAccessKey: string;
}

const sign = (secret: string, date: string, agent: string, nonce: string) =>
  createHmac('sha256', secret).update(`berth-agent\n${date}\n${agent}\n${nonce}`).digest('hex');

export function agentAuthorization(
  key: AgentKey,
  agent: string,
  now = new Date(),
  nonce = randomBytes(16).toString('hex'),
): string {
  const date = now.toISOString();
  return (
    `${AGENT_AUTH_SCHEME} Credential=${key.accessKeyId}, Date=${date}, Agent=${encodeURIComponent(agent)}, ` +
    `Nonce=${nonce}, Signature=${sign(key.secretAccessKey, date, agent, nonce)}`
  );
}

export type AgentAuthOutcome = { ok: true; agent: string } | { ok: false; problem: string };

const HEADER = new RegExp(
  `^${AGENT_AUTH_SCHEME} Credential=([^,\\s]+), Date=([^,\\s]+), Agent=([^,\\s]+), Nonce=([0-9a-f]{32}), Signature=([0-9a-f]{64})$`,
);

/** Checks agents' upgrade headers, remembering each nonce for as long as its date is accepted. */
export class AgentVerifier {
  private readonly seen = new Map<string, number>();

  constructor(private readonly secretOf: (accessKeyId: string) => string | undefined) {}

  check(header: string | undefined, now = Date.now()): AgentAuthOutcome {
    const fail = (problem: string): AgentAuthOutcome => ({ ok: false, problem });
    if (!header) return fail('the agent sent no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
    const m = HEADER.exec(header);
    if (!m) return fail('malformed agent credentials');
    const [, id, date, agentText, nonce, signature] = m as unknown as [string, string, string, string, string, string];
    let agent: string;
    try {
      agent = decodeURIComponent(agentText);
    } catch {
      return fail('malformed agent credentials');
    }
    const secret = this.secretOf(id);
    if (secret === undefined) return fail(`unknown access key ${id}`);
    const at = Date.parse(date);
    if (!Number.isFinite(at) || Math.abs(now - at) > SKEW_MS)
      return fail('the agent’s clock is more than 15 minutes off');
    const want = Buffer.from(sign(secret, date, agent, nonce), 'hex');
    if (!timingSafeEqual(want, Buffer.from(signature, 'hex'))) return fail('the agent’s signature does not match');
    this.sweep(now);
    if (this.seen.has(nonce)) return fail('these agent credentials were already used (a replay)');
    this.seen.set(nonce, at + SKEW_MS);
    return { ok: true, agent };
  }

  private sweep(now: number): void {
    for (const [nonce, until] of this.seen) if (until < now) this.seen.delete(nonce);
  }
}
