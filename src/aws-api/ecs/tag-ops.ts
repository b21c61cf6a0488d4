import type * as ecs from '@aws-sdk/client-ecs';
import { type ControlPlaneDeps, updateTags } from '../../control-plane/index.js';

type Out<T> = Omit<T, '$metadata'>;

export const tagOps = (deps: ControlPlaneDeps) => ({
  TagResource: async (i: ecs.TagResourceRequest): Promise<Out<ecs.TagResourceResponse>> => {
    await updateTags(deps, i.resourceArn as string, (cur) => {
      const m = new Map(cur.map((t) => [t.key, t.value]));
      for (const t of i.tags ?? []) m.set(t.key as string, t.value ?? '');
      return [...m].map(([key, value]) => ({ key, value }));
    });
    return {};
  },
  UntagResource: async (i: ecs.UntagResourceRequest): Promise<Out<ecs.UntagResourceResponse>> => {
    const drop = new Set(i.tagKeys ?? []);
    await updateTags(deps, i.resourceArn as string, (cur) => cur.filter((t) => !drop.has(t.key)));
    return {};
  },
  ListTagsForResource: async (i: ecs.ListTagsForResourceRequest): Promise<Out<ecs.ListTagsForResourceResponse>> => ({
    tags: await updateTags(deps, i.resourceArn as string, (cur) => cur),
  }),
});
