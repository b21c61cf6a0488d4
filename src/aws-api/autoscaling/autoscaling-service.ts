import type * as aas from '@aws-sdk/client-application-auto-scaling';
import type { BerthError } from '../../kernel/index.js';
import {
  deleteScalingPolicy,
  deleteScheduledAction,
  describeScheduledActions,
  putScheduledAction,
  type ScheduledActionInput,
  deregisterScalableTarget,
  describeScalableTargets,
  describeScalingActivities,
  describeScalingPolicies,
  putScalingPolicy,
  registerScalableTarget,
  type AutoscalingDeps,
  type PolicyInput,
  type RegisterInput,
} from '../../autoscaling/index.js';
import { paginate, paginateInOrder } from '../pagination.js';
import { defineService, type AwsService } from '../service.js';

type Out<T> = Omit<T, '$metadata'>;

/** Application Auto Scaling's codes for the domain's errors. */
function errorCode(e: BerthError): string | undefined {
  if (e.kind === 'NotFound') return 'ObjectNotFoundException';
  if (e.kind === 'InvalidParameter') return 'ValidationException';
  return undefined;
}

const time = (ms: number) => new Date(ms);

export function autoscalingService(deps: AutoscalingDeps): AwsService {
  return defineService('application-autoscaling', {
    errorCode,
    handlers: {
      async RegisterScalableTarget(
        input: aas.RegisterScalableTargetRequest,
      ): Promise<Out<aas.RegisterScalableTargetCommandOutput>> {
        return { ScalableTargetARN: (await registerScalableTarget(deps, input as RegisterInput)).ScalableTargetARN };
      },
      async DescribeScalableTargets(
        input: aas.DescribeScalableTargetsRequest,
      ): Promise<Out<aas.DescribeScalableTargetsCommandOutput>> {
        const all = describeScalableTargets(
          deps,
          input.ServiceNamespace as string,
          input.ResourceIds,
          input.ScalableDimension,
        );
        const { page, nextToken } = paginate(all, (t) => t.key, input.MaxResults, input.NextToken, 50);
        return {
          ScalableTargets: page.map(
            ({ key: _k, CreationTime, ...t }) => ({ ...t, CreationTime: time(CreationTime) }) as aas.ScalableTarget,
          ),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },
      async DeregisterScalableTarget(
        input: aas.DeregisterScalableTargetRequest,
      ): Promise<Out<aas.DeregisterScalableTargetCommandOutput>> {
        await deregisterScalableTarget(
          deps,
          input.ServiceNamespace as string,
          input.ResourceId as string,
          input.ScalableDimension as string,
        );
        return {};
      },
      async PutScalingPolicy(input: aas.PutScalingPolicyRequest): Promise<Out<aas.PutScalingPolicyCommandOutput>> {
        const p = await putScalingPolicy(deps, input as PolicyInput);
        return { PolicyARN: p.PolicyARN, Alarms: p.Alarms };
      },
      async DescribeScalingPolicies(
        input: aas.DescribeScalingPoliciesRequest,
      ): Promise<Out<aas.DescribeScalingPoliciesCommandOutput>> {
        const all = describeScalingPolicies(
          deps,
          input.ServiceNamespace as string,
          input.ResourceId,
          input.PolicyNames,
        );
        const { page, nextToken } = paginate(all, (p) => p.key, input.MaxResults, input.NextToken, 50);
        return {
          ScalingPolicies: page.map(
            ({ key: _k, lastInAt: _i, lastOutAt: _o, CreationTime, ...p }) =>
              ({ ...p, CreationTime: time(CreationTime) }) as aas.ScalingPolicy,
          ),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },
      async DeleteScalingPolicy(
        input: aas.DeleteScalingPolicyRequest,
      ): Promise<Out<aas.DeleteScalingPolicyCommandOutput>> {
        await deleteScalingPolicy(
          deps,
          input.PolicyName as string,
          input.ServiceNamespace as string,
          input.ResourceId as string,
          input.ScalableDimension as string,
        );
        return {};
      },
      async DescribeScalingActivities(
        input: aas.DescribeScalingActivitiesRequest,
      ): Promise<Out<aas.DescribeScalingActivitiesCommandOutput>> {
        const all = describeScalingActivities(deps, input.ServiceNamespace as string, input.ResourceId);
        const { page, nextToken } = paginateInOrder(all, input.MaxResults, input.NextToken, 50);
        return {
          ScalingActivities: page.map(
            ({ key: _k, StartTime, EndTime, ...a }) =>
              ({ ...a, StartTime: time(StartTime), EndTime: time(EndTime) }) as aas.ScalingActivity,
          ),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },
      async PutScheduledAction(
        input: aas.PutScheduledActionRequest,
      ): Promise<Out<aas.PutScheduledActionCommandOutput>> {
        await putScheduledAction(deps, input as ScheduledActionInput);
        return {};
      },
      async DescribeScheduledActions(
        input: aas.DescribeScheduledActionsRequest,
      ): Promise<Out<aas.DescribeScheduledActionsCommandOutput>> {
        const all = describeScheduledActions(deps, input.ServiceNamespace as string, {
          ...(input.ScheduledActionNames ? { names: input.ScheduledActionNames } : {}),
          ...(input.ResourceId ? { resourceId: input.ResourceId } : {}),
          ...(input.ScalableDimension ? { dimension: input.ScalableDimension } : {}),
        });
        const { page, nextToken } = paginate(all, (a) => a.key, input.MaxResults, input.NextToken, 50);
        return {
          ScheduledActions: page.map(
            ({ key: _k, lastRunAt: _l, CreationTime, StartTime, EndTime, ...a }) =>
              ({
                ...a,
                CreationTime: time(CreationTime),
                ...(StartTime !== undefined ? { StartTime: time(StartTime) } : {}),
                ...(EndTime !== undefined ? { EndTime: time(EndTime) } : {}),
              }) as aas.ScheduledAction,
          ),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },
      async DeleteScheduledAction(
        input: aas.DeleteScheduledActionRequest,
      ): Promise<Out<aas.DeleteScheduledActionCommandOutput>> {
        await deleteScheduledAction(deps, input as ScheduledActionInput);
        return {};
      },
    },
  });
}
