/**
 * A server's campaign on its own, for the leadership test to kill -9: `node --import tsx
 * etcd-candidate.ts <endpoint> <prefix> <id> <ttl>` prints "leading" once it leads.
 */
import { EtcdLeadership } from '../../src/store/etcd/leadership.js';

const [endpoint, prefix, id, ttl] = process.argv.slice(2) as [string, string, string, string];
const l = EtcdLeadership.start({ endpoints: [endpoint], prefix, id, ttlSeconds: Number(ttl) });
l.onChange((leading) => leading && process.stdout.write('leading\n'));
