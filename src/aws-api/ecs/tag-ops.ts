import type * as ecs from '@aws-sdk/client-ecs';
import { type ControlPlaneDeps, updateTags } from '../../control-plane/index.js';

type Out<T> = Omit<T, '$metadata'>;

export const tagOps = (deps: ControlPlaneDeps) => ({
  TagResource: (i: ecs.TagResourceRequest): Out<ecs.TagResourceResponse> => {
    updateTags(deps, i.resourceArn as string, (cur) => {
      const m = new Map(cur.map((t) => [t.key, t.value]));
      for (const t of i.tags ?? []) m.set(t.key as string, t.value ?? '');
      return [...m].map(([key, value]) => ({ key, value }));
    });
    return {};
  },
  UntagResource: (i: ecs.UntagResourceRequest): Out<ecs.UntagResourceResponse> => {
    const drop = new Set(i.tagKeys ?? []);
    updateTags(deps, i.resourceArn as string, (cur) => cur.filter((t) => !drop.has(t.key)));
    return {};
  },
  ListTagsForResource: (i: ecs.ListTagsForResourceRequest): Out<ecs.ListTagsForResourceResponse> => ({
    tags: updateTags(deps, i.resourceArn as string, (cur) => cur),
  }),
});
