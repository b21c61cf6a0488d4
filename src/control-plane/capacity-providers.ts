import { invalidParameter, notImplemented } from '../kernel/index.js';
import type { ClusterRecord } from './tables.js';

/** The Fargate capacity providers every account has; they only need associating with a cluster. */
export const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;

export interface StrategyItem {
  capacityProvider: string;
  weight: number;
  base: number;
}

const field = 'capacityProviderStrategy';

/**
 * A strategy as ECS accepts it: known providers associated with the cluster, each named once,
 * weights 0–1000 with at least one above zero, bases 0–100000 on at most one provider.
 */
export function checkStrategy(raw: unknown[], cluster: ClusterRecord | undefined, at = field): StrategyItem[] {
  const items = raw.map((r, i) => {
    const x = (r ?? {}) as { capacityProvider?: unknown; weight?: unknown; base?: unknown };
    if (typeof x.capacityProvider !== 'string' || x.capacityProvider === '')
      throw invalidParameter('A capacity provider strategy item needs a capacityProvider.', {
        field: `${at}[${i}].capacityProvider`,
      });
    const weight = x.weight === undefined ? 0 : Number(x.weight);
    const base = x.base === undefined ? 0 : Number(x.base);
    if (!Number.isInteger(weight) || weight < 0 || weight > 1000)
      throw invalidParameter('The weight of a capacity provider must be between 0 and 1000.', {
        field: `${at}[${i}].weight`,
      });
    if (!Number.isInteger(base) || base < 0 || base > 100000)
      throw invalidParameter('The base of a capacity provider must be between 0 and 100000.', {
        field: `${at}[${i}].base`,
      });
    return { capacityProvider: x.capacityProvider, weight, base };
  });
  if (items.length > 20)
    throw invalidParameter('A capacity provider strategy can name at most 20 capacity providers.', { field: at });
  const names = new Set<string>();
  for (const it of items) {
    if (names.has(it.capacityProvider))
      throw invalidParameter(`The capacity provider ${it.capacityProvider} appears more than once in the strategy.`, {
        field: at,
      });
    names.add(it.capacityProvider);
    if (!(FARGATE_PROVIDERS as readonly string[]).includes(it.capacityProvider))
      throw notImplemented(`The capacity provider ${it.capacityProvider} (Auto Scaling group capacity providers) is`);
    if (cluster && !cluster.capacityProviders.includes(it.capacityProvider))
      throw invalidParameter(
        `The capacity provider ${it.capacityProvider} is not associated with the cluster ${cluster.name}. ` +
          'Associate it with PutClusterCapacityProviders, or name one that is.',
        { field: at },
      );
  }
  if (items.filter((it) => it.base > 0).length > 1)
    throw invalidParameter('Only one capacity provider in a strategy can have a base.', { field: at });
  if (items.length > 0 && items.every((it) => it.weight === 0))
    throw invalidParameter('At least one capacity provider in a strategy must have a weight above 0.', {
      field: at,
    });
  return items;
}

/**
 * Which provider each of `n` new tasks goes to, given how many already run on each: the base is
 * filled first, then every task goes where the count beyond the base is furthest below its share
 * of the weights (ties to the provider listed first). Deterministic, so a service converges on
 * the split whatever order its tasks come and go in.
 */
export function pickProviders(strategy: StrategyItem[], existing: Record<string, number>, n: number): string[] {
  const counts = new Map(strategy.map((s) => [s.capacityProvider, existing[s.capacityProvider] ?? 0]));
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const withBase = strategy.find((s) => s.base > (counts.get(s.capacityProvider) ?? 0));
    let best: StrategyItem | undefined = withBase;
    if (!best) {
      let bestScore = Infinity;
      for (const s of strategy) {
        if (s.weight === 0) continue;
        const beyond = Math.max(0, (counts.get(s.capacityProvider) ?? 0) - s.base);
        // Placing here gives (beyond + 1) / weight; the smallest keeps the split closest to the weights.
        const score = (beyond + 1) / s.weight;
        if (score < bestScore) {
          bestScore = score;
          best = s;
        }
      }
    }
    const name = (best as StrategyItem).capacityProvider;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    out.push(name);
  }
  return out;
}
