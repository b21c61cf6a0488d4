import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../kernel/index.js';
import { serviceWorld } from './test-world.js';
import { findServiceRevision, listServiceDeployments, stopServiceDeployment } from './service-deployments.js';
import { createService, getService, updateService } from './services.js';

const world = () => serviceWorld({ revisions: 3 });

describe('service deployments', () => {
  it('records each update as a service deployment with its source and target revisions', async () => {
    const { deps, run } = await world();
    await createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 });
    await run();
    await updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    const s = getService(deps, 'c', 'web');
    const [second, first] = listServiceDeployments(deps, s);
    assert.equal(first?.status, 'SUCCESSFUL');
    assert.ok(first?.finishedAt);
    assert.equal(second?.status, 'IN_PROGRESS');
    assert.match(second?.arn ?? '', /^arn:aws:ecs:us-east-1:\d{12}:service-deployment\/c\/web\/\d{19}$/);
    assert.deepEqual(second?.sources, [first?.target.arn]);
    assert.match(findServiceRevision(deps, second?.target.arn ?? '')?.taskDefinition ?? '', /:2$/);
    await run();
    assert.equal(listServiceDeployments(deps, s)[0]?.status, 'SUCCESSFUL');
    assert.deepEqual(listServiceDeployments(deps, s, ['IN_PROGRESS']), []);
  });

  it('rolls a deployment in progress back on request, and marks one replaced before it finished STOPPED', async () => {
    const { deps, run } = await world();
    await createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 });
    await run();
    await updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    await updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:3' });
    await run();
    const s = getService(deps, 'c', 'web');
    const [third, second, first] = listServiceDeployments(deps, s);
    assert.deepEqual([third?.status, second?.status, first?.status], ['SUCCESSFUL', 'STOPPED', 'SUCCESSFUL']);
    assert.equal(second?.statusReason, 'Service deployment was superseded by a newer one.');

    await updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:1' });
    const fourth = listServiceDeployments(deps, s)[0];
    assert.equal(fourth?.status, 'IN_PROGRESS');
    await stopServiceDeployment(deps, fourth?.arn ?? '', 'ROLLBACK');
    assert.equal(listServiceDeployments(deps, s)[0]?.status, 'ROLLBACK_IN_PROGRESS');
    await run();
    const back = listServiceDeployments(deps, s)[0];
    assert.equal(back?.status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(back?.rollback?.serviceRevisionArn, third?.target.arn, 'back to the last revision that completed');
    assert.match(getService(deps, 'c', 'web').taskDefinitionArn, /:3$/);
    const refused = await (async () => {
      try {
        await stopServiceDeployment(deps, back?.arn ?? '', 'ROLLBACK');
      } catch (e) {
        return e;
      }
    })();
    assert.ok(isBerthError(refused) && refused.detail.reason === 'not-in-progress');
  });
});
