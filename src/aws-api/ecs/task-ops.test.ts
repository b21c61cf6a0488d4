import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createCluster,
  getCluster,
  findTask,
  registerContainerInstance,
  registerTaskDefinition,
  runTask,
  stopTask,
} from '../../control-plane/index.js';
import { testControlPlaneDeps } from '../../control-plane/test-deps.js';
import { SqliteStore, localShared } from '../../store/index.js';
import { encodeJsonText } from '../model/encode-json.js';
import { loadModel } from '../model/load.js';
import { taskOps, toTask } from './task-ops.js';

/** DescribeTasks' answer as it goes on the wire. */
const wire = (out: unknown) => encodeJsonText(loadModel('ecs'), 'DescribeTasksResponse', out);

describe('DescribeTasks', () => {
  // SQLite, as berth runs: its cached tables hand out the same frozen record until it changes,
  // which is what the kept text of a task hangs on.
  const withStore = async (fn: (deps: ReturnType<typeof testControlPlaneDeps>) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-task-ops-'));
    const store = new SqliteStore(join(dir, 'state.db'));
    try {
      await fn({ ...testControlPlaneDeps(), store: localShared(store) });
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('answers a kept task as its fresh encoding, and follows every change of the task', async () => {
    await withStore(async (deps) => {
      await createCluster(deps, { clusterName: 'c' });
      await registerContainerInstance(deps, { cluster: 'c', cpu: 1024, memory: 1024, agentConnected: true });
      await registerTaskDefinition(deps, {
        family: 'web',
        containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
      });
      const [task] = (await runTask(deps, { cluster: 'c', taskDefinition: 'web', tags: [{ key: 'k', value: 'v' }] }))
        .tasks;
      assert.ok(task);
      const ops = taskOps(deps);
      const fresh = (withTags: boolean) => {
        const t = findTask(deps, 'c', task.arn);
        assert.ok(t);
        return wire({ tasks: [toTask(t, getCluster(deps, 'c').arn, withTags)], failures: [] });
      };

      const first = wire(await ops.DescribeTasks({ cluster: 'c', tasks: [task.arn] }));
      assert.equal(first, fresh(false));
      assert.equal(
        wire(await ops.DescribeTasks({ cluster: 'c', tasks: [task.arn] })),
        first,
        'the kept text, unchanged',
      );
      assert.doesNotMatch(first ?? '', /"key":"k"/, 'no tags unless asked');

      const tagged = wire(await ops.DescribeTasks({ cluster: 'c', tasks: [task.arn], include: ['TAGS'] }));
      assert.equal(tagged, fresh(true));
      assert.match(tagged ?? '', /"tags":\[\{"key":"k","value":"v"\}\]/);

      await stopTask(deps, 'c', task.arn, 'done here');
      const after = wire(await ops.DescribeTasks({ cluster: 'c', tasks: [task.arn] }));
      assert.equal(after, fresh(false));
      assert.match(after ?? '', /"desiredStatus":"STOPPED"/);
      assert.match(after ?? '', /"stoppedReason":"done here"/);
    });
  });
});
