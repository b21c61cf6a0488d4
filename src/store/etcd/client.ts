import { ExponentialBackoff } from 'cockatiel';
import { Etcd3 } from 'etcd3';

/**
 * The etcd client every part of the store uses. Its watches reconnect after at most 2 s: the
 * client's default backoff grows to 30 s, so a server whose member was down a few seconds went
 * on serving a stale view long after the member came back.
 */
export function etcdClient(endpoints: string[]): Etcd3 {
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: 5000,
    // The first backoff (duration 0): the client asks it for the next one before each reconnect.
    faultHandling: { watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }).next() },
  });
}
