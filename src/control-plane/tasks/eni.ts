import { attachmentIdFor } from '../../wire/index.js';
import type { ContainerRecord, TaskRecord } from '../tables.js';

/**
 * ECS's view of an awsvpc task's network interface, made from the address its agent reports:
 * the attachment (ATTACHED while the task lives, DELETED once it stopped) and each container's
 * interface. The ids derive from the task's, so they are the same on every report.
 */
export function eniOf(
  t: TaskRecord,
  network: { ip: string; mac?: string },
  stopped: boolean,
): { attachments: unknown[]; containers: ContainerRecord[] } {
  const id = attachmentIdFor(t.id);
  return {
    attachments: [
      {
        id,
        type: 'ElasticNetworkInterface',
        status: stopped ? 'DELETED' : 'ATTACHED',
        details: [
          { name: 'networkInterfaceId', value: `eni-${t.id.slice(0, 17)}` },
          { name: 'macAddress', value: network.mac ?? '' },
          { name: 'privateIPv4Address', value: network.ip },
          { name: 'subnetId', value: t.subnetId ?? 'subnet-berth' },
          { name: 'privateDnsName', value: `ip-${network.ip.replace(/\./g, '-')}.ec2.internal` },
        ],
      },
    ],
    containers: t.containers.map((c) => ({
      ...c,
      networkInterfaces: [{ attachmentId: id, privateIpv4Address: network.ip }],
    })),
  };
}
