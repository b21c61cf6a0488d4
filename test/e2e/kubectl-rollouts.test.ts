// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBerth, type BerthProcess } from './harness.js';
import { kubectlFor, kubeTools } from './kube-helpers.js';

// kubectl rollout history and undo of DaemonSets and StatefulSets, through the ControllerRevisions
// their controllers keep (no node needed: the history follows the template, not the pods).
describe('kubectl rollouts of DaemonSets and StatefulSets', () => {
  let berth: BerthProcess;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    berth = await startBerth({ args: ['--no-agent'] });
    k = await kubectlFor(berth.endpoint, berth.dataDir);
  });
  after(async () => berth?.dispose());
  const { jsonpath, until } = kubeTools(
    () => k,
    () => 'localhost/app:v1',
  );

  const set = (kind: 'DaemonSet' | 'StatefulSet', image: string) => ({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: 'web' },
    spec: {
      ...(kind === 'StatefulSet' ? { serviceName: 'web', replicas: 1 } : {}),
      selector: { matchLabels: { app: `web-${kind}` } },
      template: {
        metadata: { labels: { app: `web-${kind}` } },
        spec: { containers: [{ name: 'main', image }] },
      },
    },
  });

  for (const [kind, resource] of [
    ['DaemonSet', 'daemonset'],
    ['StatefulSet', 'statefulset'],
  ] as const)
    it(`lists a ${kind}'s revisions and rolls it back to the one before, then to a named one`, async () => {
      const image = () => jsonpath(['get', resource, 'web'], '{.spec.template.spec.containers[0].image}');
      const history = () =>
        until(
          'the history',
          () => k.ok(['rollout', 'history', `${resource}/web`]),
          (v) => !/No rollout history found/.test(v),
        );
      for (const v of ['one', 'two', 'three']) {
        await k.ok(['apply', '-f', '-'], JSON.stringify(set(kind, `localhost/app:${v}`)));
        await until(
          `revision of ${v}`,
          () => jsonpath(['get', 'controllerrevisions', '-l', `app=web-${kind}`], '{.items[*].revision}'),
          (r) => r.split(' ').length === ['one', 'two', 'three'].indexOf(v) + 1,
        );
      }
      assert.match(
        await history(),
        new RegExp(`${resource}.apps/web\\s*\\nREVISION\\s+CHANGE-CAUSE\\n1\\s+<none>\\n2\\s+<none>\\n3\\s+<none>\\n`),
      );
      assert.match(
        await k.ok(['rollout', 'history', `${resource}/web`, '--revision=1']),
        /Image:\s+localhost\/app:one/,
      );
      assert.match(
        await k.ok(['get', 'controllerrevisions']),
        new RegExp(`web-[a-z0-9]+\\s+${resource}\\.apps/web\\s+3\\s+`),
      );
      assert.match(await k.ok(['rollout', 'undo', `${resource}/web`]), new RegExp(`${resource}.apps/web rolled back`));
      assert.equal(await image(), 'localhost/app:two');
      await until(
        'two renumbered as the newest',
        () => k.ok(['rollout', 'history', `${resource}/web`]),
        (v) => /\n1\s+<none>\n3\s+<none>\n4\s+<none>\n+$/.test(v),
      );
      assert.match(
        await k.ok(['rollout', 'undo', `${resource}/web`, '--to-revision=1']),
        new RegExp(`${resource}.apps/web rolled back`),
      );
      assert.equal(await image(), 'localhost/app:one');
      const r = await k.kubectl(['rollout', 'undo', `${resource}/web`, '--to-revision=9']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /unable to find specified revision 9 in history/);
      // The revisions go with their set.
      await k.ok(['delete', resource, 'web']);
      await until(
        'its revisions gone',
        () => k.ok(['get', 'controllerrevisions', '-l', `app=web-${kind}`, '-o', 'name']),
        (v) => v === '',
      );
    });
});
