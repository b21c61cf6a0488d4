import type { GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import type { RequestContext } from '../../kernel/index.js';
import { defineService, type AwsService } from '../service.js';

type Output<T> = Omit<T, '$metadata'>;

/** STS, enough for `aws sts get-caller-identity`: berth has one account, and the caller is its root. */
export function stsService(): AwsService {
  return defineService('sts', {
    handlers: {
      GetCallerIdentity: (_input: object, ctx: RequestContext): Output<GetCallerIdentityCommandOutput> => ({
        UserId: ctx.accountId,
        Account: ctx.accountId,
        Arn: `arn:aws:iam::${ctx.accountId}:root`,
      }),
    },
  });
}
