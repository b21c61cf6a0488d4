import { verifyEksToken, type AuthConfig } from '../aws-api/index.js';
import type { AwsIdentity } from '../kube/index.js';

/**
 * Who an EKS token (`aws eks get-token`) comes from, checked against berth's keys (the account's
 * own, and those IAM and STS issued): its AWS identity, why it is refused, or undefined when the
 * text is not an EKS token.
 */
export function eksIdentity(auth: AuthConfig, accountId: string, now: () => Date) {
  return (token: string, cluster: string): AwsIdentity | { error: string } | undefined => {
    const r = verifyEksToken(token, cluster, auth, now());
    if (!r || 'error' in r) return r;
    const p = r.principal;
    if (!p) return { arn: `arn:aws:iam::${accountId}:root`, account: accountId, root: true };
    return {
      arn: p.arn,
      account: p.account,
      root: p.kind === 'root',
      ...(p.role ? { role: { arn: p.role.arn, sessionName: p.role.sessionName } } : {}),
    };
  };
}
