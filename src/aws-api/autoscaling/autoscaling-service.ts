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
      RegisterScalableTarget(input: aas.RegisterScalableTargetRequest): Out<aas.RegisterScalableTargetCommandOutput> {
        return { ScalableTargetARN: registerScalableTarget(deps, input as RegisterInput).ScalableTargetARN };
      },
      DescribeScalableTargets(
        input: aas.DescribeScalableTargetsRequest,
      ): Out<aas.DescribeScalableTargetsCommandOutput> {
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
      DeregisterScalableTarget(
        input: aas.DeregisterScalableTargetRequest,
      ): Out<aas.DeregisterScalableTargetCommandOutput> {
        deregisterScalableTarget(
          deps,
          input.ServiceNamespace as string,
          input.ResourceId as string,
          input.ScalableDimension as string,
        );
        return {};
      },
      PutScalingPolicy(input: aas.PutScalingPolicyRequest): Out<aas.PutScalingPolicyCommandOutput> {
        const p = putScalingPolicy(deps, input as PolicyInput);
        return { PolicyARN: p.PolicyARN, Alarms: p.Alarms };
      },
      DescribeScalingPolicies(
        input: aas.DescribeScalingPoliciesRequest,
      ): Out<aas.DescribeScalingPoliciesCommandOutput> {
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
      DeleteScalingPolicy(input: aas.DeleteScalingPolicyRequest): Out<aas.DeleteScalingPolicyCommandOutput> {
        deleteScalingPolicy(
          deps,
          input.PolicyName as string,
          input.ServiceNamespace as string,
          input.ResourceId as string,
          input.ScalableDimension as string,
        );
        return {};
      },
      DescribeScalingActivities(
        input: aas.DescribeScalingActivitiesRequest,
      ): Out<aas.DescribeScalingActivitiesCommandOutput> {
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
      PutScheduledAction(input: aas.PutScheduledActionRequest): Out<aas.PutScheduledActionCommandOutput> {
        putScheduledAction(deps, input as ScheduledActionInput);
        return {};
      },
      DescribeScheduledActions(
        input: aas.DescribeScheduledActionsRequest,
      ): Out<aas.DescribeScheduledActionsCommandOutput> {
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
      DeleteScheduledAction(input: aas.DeleteScheduledActionRequest): Out<aas.DeleteScheduledActionCommandOutput> {
        deleteScheduledAction(deps, input as ScheduledActionInput);
        return {};
      },
    },
  });
}
