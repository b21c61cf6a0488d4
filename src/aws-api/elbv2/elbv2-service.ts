import type * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  addListenerCertificates,
  addTags,
  createListener,
  createLoadBalancer,
  createRule,
  createTargetGroup,
  deleteListener,
  deleteLoadBalancer,
  deleteRule,
  deleteTargetGroup,
  deregisterTargets,
  describeListenerCertificates,
  describeListeners,
  describeLoadBalancers,
  describeRules,
  describeTags,
  describeTargetGroups,
  describeTargetHealth,
  loadBalancerByArn,
  loadBalancersByTargetGroup,
  modifyListener,
  modifyLoadBalancerAttributes,
  modifyRule,
  modifyTargetGroup,
  modifyTargetGroupAttributes,
  portFree,
  registerTargets,
  removeListenerCertificates,
  removeTags,
  setRulePriorities,
  targetGroupByArn,
  type CreateLoadBalancerInput,
  type ElbDeps,
  type ElbTag,
  type ListenerInput,
  type RuleInput,
  type TargetGroupInput,
  type TargetInput,
  type PortProbe,
} from '../../elb/index.js';
import { paginateInOrder } from '../pagination.js';
import { defineService, type AwsService } from '../service.js';
import { attributesOut, elbErrorCode, listenerOut, loadBalancerOut, ruleOut, targetGroupOut } from './elbv2-shapes.js';

type Out<T> = Omit<T, '$metadata'>;

/** ELB's Marker/PageSize paging over a list in its own order. */
function paged<T>(items: readonly T[], pageSize: number | undefined, marker: string | undefined) {
  const { page, nextToken } = paginateInOrder(items, pageSize, marker, 400);
  return { items: page, ...(nextToken ? { NextMarker: nextToken } : {}) };
}

const tags = (t: elb.Tag[] | undefined): ElbTag[] | undefined =>
  t?.map((x) => ({ Key: x.Key as string, ...(x.Value !== undefined ? { Value: x.Value } : {}) }));

export function elbv2Service(deps: ElbDeps, probe: PortProbe = portFree): AwsService {
  const tgLbs = () => loadBalancersByTargetGroup(deps);
  const tgOut = (tg: Parameters<typeof targetGroupOut>[0], by = tgLbs()) =>
    targetGroupOut(tg, [...(by.get(tg.arn) ?? [])]);
  return defineService('elbv2', {
    errorCode: elbErrorCode,
    handlers: {
      async CreateLoadBalancer(i: elb.CreateLoadBalancerInput): Promise<Out<elb.CreateLoadBalancerOutput>> {
        const lb = createLoadBalancer(deps, {
          ...(i as CreateLoadBalancerInput),
          ...(i.Tags ? { Tags: tags(i.Tags) } : {}),
        });
        return { LoadBalancers: [loadBalancerOut(await lb, deps.region)] };
      },
      async DescribeLoadBalancers(i: elb.DescribeLoadBalancersInput): Promise<Out<elb.DescribeLoadBalancersOutput>> {
        const p = paged(describeLoadBalancers(deps, i.LoadBalancerArns, i.Names), i.PageSize, i.Marker);
        return {
          LoadBalancers: p.items.map((lb) => loadBalancerOut(lb, deps.region)),
          ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}),
        };
      },
      async DeleteLoadBalancer(i: elb.DeleteLoadBalancerInput) {
        await deleteLoadBalancer(deps, i.LoadBalancerArn as string);
        return {};
      },
      DescribeLoadBalancerAttributes(i: elb.DescribeLoadBalancerAttributesInput) {
        return { Attributes: attributesOut(loadBalancerByArn(deps, i.LoadBalancerArn as string).attributes) };
      },
      async ModifyLoadBalancerAttributes(i: elb.ModifyLoadBalancerAttributesInput) {
        return {
          Attributes: attributesOut(
            await modifyLoadBalancerAttributes(deps, i.LoadBalancerArn as string, i.Attributes ?? []),
          ),
        };
      },
      async CreateTargetGroup(i: elb.CreateTargetGroupInput): Promise<Out<elb.CreateTargetGroupOutput>> {
        const tg = createTargetGroup(deps, { ...(i as TargetGroupInput), ...(i.Tags ? { Tags: tags(i.Tags) } : {}) });
        return { TargetGroups: [tgOut(await tg)] };
      },
      async DescribeTargetGroups(i: elb.DescribeTargetGroupsInput): Promise<Out<elb.DescribeTargetGroupsOutput>> {
        const by = tgLbs();
        const p = paged(
          describeTargetGroups(deps, i as { TargetGroupArns?: string[]; Names?: string[]; LoadBalancerArn?: string }),
          i.PageSize,
          i.Marker,
        );
        return {
          TargetGroups: p.items.map((tg) => tgOut(tg, by)),
          ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}),
        };
      },
      async ModifyTargetGroup(i: elb.ModifyTargetGroupInput): Promise<Out<elb.ModifyTargetGroupOutput>> {
        const { TargetGroupArn, ...rest } = i;
        return {
          TargetGroups: [
            tgOut(await modifyTargetGroup(deps, TargetGroupArn as string, rest as Omit<TargetGroupInput, 'Name'>)),
          ],
        };
      },
      async DeleteTargetGroup(i: elb.DeleteTargetGroupInput) {
        await deleteTargetGroup(deps, i.TargetGroupArn as string);
        return {};
      },
      DescribeTargetGroupAttributes(i: elb.DescribeTargetGroupAttributesInput) {
        return { Attributes: attributesOut(targetGroupByArn(deps, i.TargetGroupArn as string).attributes) };
      },
      async ModifyTargetGroupAttributes(i: elb.ModifyTargetGroupAttributesInput) {
        return {
          Attributes: attributesOut(
            await modifyTargetGroupAttributes(deps, i.TargetGroupArn as string, i.Attributes ?? []),
          ),
        };
      },
      async CreateListener(i: elb.CreateListenerInput): Promise<Out<elb.CreateListenerOutput>> {
        const l = await createListener(
          deps,
          { ...(i as unknown as ListenerInput), ...(i.Tags ? { Tags: tags(i.Tags) } : {}) },
          probe,
        );
        return { Listeners: [listenerOut(l)] };
      },
      async DescribeListeners(i: elb.DescribeListenersInput): Promise<Out<elb.DescribeListenersOutput>> {
        const all = describeListeners(deps, i as { LoadBalancerArn?: string; ListenerArns?: string[] });
        const p = paged(all, i.PageSize, i.Marker);
        return { Listeners: p.items.map(listenerOut), ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}) };
      },
      async ModifyListener(i: elb.ModifyListenerInput): Promise<Out<elb.ModifyListenerOutput>> {
        const { ListenerArn, ...rest } = i;
        return {
          Listeners: [
            listenerOut(await modifyListener(deps, ListenerArn as string, rest as Partial<ListenerInput>, probe)),
          ],
        };
      },
      async AddListenerCertificates(
        i: elb.AddListenerCertificatesInput,
      ): Promise<Out<elb.AddListenerCertificatesOutput>> {
        return { Certificates: await addListenerCertificates(deps, i.ListenerArn as string, i.Certificates) };
      },
      async RemoveListenerCertificates(i: elb.RemoveListenerCertificatesInput) {
        await removeListenerCertificates(deps, i.ListenerArn as string, i.Certificates);
        return {};
      },
      DescribeListenerCertificates(
        i: elb.DescribeListenerCertificatesInput,
      ): Out<elb.DescribeListenerCertificatesOutput> {
        const p = paged(describeListenerCertificates(deps, i.ListenerArn as string), i.PageSize, i.Marker);
        return { Certificates: p.items, ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}) };
      },
      async DeleteListener(i: elb.DeleteListenerInput) {
        await deleteListener(deps, i.ListenerArn as string);
        return {};
      },
      async CreateRule(i: elb.CreateRuleInput): Promise<Out<elb.CreateRuleOutput>> {
        const r = await createRule(deps, { ...(i as unknown as RuleInput), ...(i.Tags ? { Tags: tags(i.Tags) } : {}) });
        return { Rules: [ruleOut({ arn: r.arn, priority: r.priority, conditions: r.conditions, actions: r.actions })] };
      },
      async DescribeRules(i: elb.DescribeRulesInput): Promise<Out<elb.DescribeRulesOutput>> {
        const p = paged(describeRules(deps, i as { ListenerArn?: string; RuleArns?: string[] }), i.PageSize, i.Marker);
        return { Rules: p.items.map(ruleOut), ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}) };
      },
      async ModifyRule(i: elb.ModifyRuleInput): Promise<Out<elb.ModifyRuleOutput>> {
        const r = await modifyRule(
          deps,
          i.RuleArn as string,
          i as { Conditions?: RuleInput['Conditions']; Actions?: RuleInput['Actions'] },
        );
        return { Rules: [ruleOut({ arn: r.arn, priority: r.priority, conditions: r.conditions, actions: r.actions })] };
      },
      async SetRulePriorities(i: elb.SetRulePrioritiesInput): Promise<Out<elb.SetRulePrioritiesOutput>> {
        const rs = await setRulePriorities(deps, i.RulePriorities ?? []);
        return {
          Rules: rs.map((r) =>
            ruleOut({ arn: r.arn, priority: r.priority, conditions: r.conditions, actions: r.actions }),
          ),
        };
      },
      async DeleteRule(i: elb.DeleteRuleInput) {
        await deleteRule(deps, i.RuleArn as string);
        return {};
      },
      async RegisterTargets(i: elb.RegisterTargetsInput) {
        await registerTargets(deps, i.TargetGroupArn as string, (i.Targets ?? []) as TargetInput[]);
        return {};
      },
      async DeregisterTargets(i: elb.DeregisterTargetsInput) {
        await deregisterTargets(deps, i.TargetGroupArn as string, (i.Targets ?? []) as TargetInput[]);
        return {};
      },
      async DescribeTargetHealth(i: elb.DescribeTargetHealthInput): Promise<Out<elb.DescribeTargetHealthOutput>> {
        const tg = targetGroupByArn(deps, i.TargetGroupArn as string);
        return {
          TargetHealthDescriptions: describeTargetHealth(deps, tg.arn, i.Targets as TargetInput[] | undefined).map(
            (t) => ({
              Target: {
                Id: t.targetId,
                Port: t.port,
                ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}),
              },
              HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(t.port) : tg.healthCheck.port,
              TargetHealth: {
                State: t.state,
                ...(t.reason ? { Reason: t.reason as elb.TargetHealthReasonEnum } : {}),
                ...(t.description ? { Description: t.description } : {}),
              },
            }),
          ),
        };
      },
      async AddTags(i: elb.AddTagsInput) {
        await addTags(deps, i.ResourceArns ?? [], tags(i.Tags) ?? []);
        return {};
      },
      async RemoveTags(i: elb.RemoveTagsInput) {
        await removeTags(deps, i.ResourceArns ?? [], i.TagKeys ?? []);
        return {};
      },
      async DescribeTags(i: elb.DescribeTagsInput): Promise<Out<elb.DescribeTagsOutput>> {
        return {
          TagDescriptions: describeTags(deps, i.ResourceArns ?? []).map((d) => ({ ResourceArn: d.arn, Tags: d.tags })),
        };
      },
      async DescribeAccountLimits(): Promise<Out<elb.DescribeAccountLimitsOutput>> {
        const limits = {
          'application-load-balancers': 50,
          'network-load-balancers': 50,
          'target-groups': 3000,
          'listeners-per-application-load-balancer': 50,
          'rules-per-application-load-balancer': 100,
          'targets-per-application-load-balancer': 1000,
        };
        return { Limits: Object.entries(limits).map(([Name, Max]) => ({ Name, Max: String(Max) })) };
      },
    },
  });
}
