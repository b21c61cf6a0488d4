import type * as sts from '@aws-sdk/client-sts';
import type { RequestContext } from '../../kernel/index.js';
import {
  assumeRole,
  credentialOf,
  getSessionToken,
  rootPrincipal,
  type IamDeps,
  type IssuedCredentials,
  type Principal,
} from '../../iam/index.js';
import { defineService, type AwsService } from '../service.js';

type Output<T> = Omit<T, '$metadata'>;

/** The principal behind a call: the key's, or the account's root for a key berth did not issue. */
export const principalOf = (deps: IamDeps, ctx: RequestContext): Principal =>
  (ctx.accessKeyId ? credentialOf(deps, ctx.accessKeyId)?.principal : undefined) ?? rootPrincipal(deps.accountId);

const credentialsOut = (c: IssuedCredentials): sts.Credentials => ({
  AccessKeyId: c.accessKeyId,
  SecretAccessKey: c.secretAccessKey,
  SessionToken: c.sessionToken,
  Expiration: c.expiration,
});

/** STS: who is calling, temporary credentials for a role (AssumeRole) or for the caller. */
export function stsService(deps: IamDeps): AwsService {
  return defineService('sts', {
    handlers: {
      GetCallerIdentity: (_input: object, ctx: RequestContext): Output<sts.GetCallerIdentityResponse> => {
        const p = principalOf(deps, ctx);
        return { UserId: p.userId, Account: p.account, Arn: p.arn };
      },
      AssumeRole: async (i: sts.AssumeRoleRequest, ctx: RequestContext): Promise<Output<sts.AssumeRoleResponse>> => {
        const r = await assumeRole(
          deps,
          { principal: principalOf(deps, ctx) },
          {
            roleArn: i.RoleArn as string,
            sessionName: i.RoleSessionName as string,
            ...(i.DurationSeconds !== undefined ? { durationSeconds: i.DurationSeconds } : {}),
            ...(i.ExternalId !== undefined ? { externalId: i.ExternalId } : {}),
            ...(i.Policy !== undefined ? { policy: i.Policy } : {}),
          },
        );
        return {
          Credentials: credentialsOut(r.credentials),
          AssumedRoleUser: { AssumedRoleId: r.assumedRoleId, Arn: r.assumedRoleArn },
          ...(i.Policy !== undefined ? { PackedPolicySize: Math.min(100, Math.ceil(i.Policy.length / 20)) } : {}),
        };
      },
      GetSessionToken: async (
        i: sts.GetSessionTokenRequest,
        ctx: RequestContext,
      ): Promise<Output<sts.GetSessionTokenResponse>> => ({
        Credentials: credentialsOut(await getSessionToken(deps, principalOf(deps, ctx), i.DurationSeconds)),
      }),
    },
    errorCode: (e) =>
      e.kind === 'AccessDenied' ? 'AccessDenied' : e.kind === 'InvalidParameter' ? 'ValidationError' : undefined,
  });
}
