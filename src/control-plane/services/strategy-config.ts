import { invalidParameter, notImplemented } from '../../kernel/index.js';
import type { DeploymentConfiguration, DeploymentStrategy, LifecycleHook } from './model.js';

const STRATEGIES: readonly DeploymentStrategy[] = ['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'];
/** The stages a hook may run at (PRE_PRODUCTION_TRAFFIC_SHIFT is a hook stage, not a lifecycle one). */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
];

type StrategyFields = Pick<
  DeploymentConfiguration,
  'strategy' | 'bakeTimeInMinutes' | 'lifecycleHooks' | 'linearConfiguration' | 'canaryConfiguration'
>;

const field = (f: string) => `deploymentConfiguration.${f}`;
const bad = (message: string, f: string) => invalidParameter(message, { field: field(f) });

/** A strategy that shifts traffic between two target groups instead of replacing tasks in place. */
export const shiftsTraffic = (c: Pick<DeploymentConfiguration, 'strategy'>): boolean =>
  c.strategy !== undefined && c.strategy !== 'ROLLING';

function minutes(v: unknown, f: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1440)
    throw bad(`${f} must be a whole number of minutes from 0 to 1440.`, f);
  return v;
}

/** A percentage given in tenths (3.0, 12.5), within the bounds ECS allows. */
function percent(v: unknown, min: number, f: string): number {
  if (typeof v !== 'number' || v < min || v > 100 || Math.abs(v * 10 - Math.round(v * 10)) > 1e-9)
    throw bad(`${f} must be a multiple of 0.1 from ${min} to 100.`, f);
  return v;
}

function checkHooks(hooks: readonly LifecycleHook[]): LifecycleHook[] {
  return hooks.map((h, i) => {
    const at = `lifecycleHooks[${i}]`;
    const type = h.targetType ?? 'AWS_LAMBDA';
    if (type === 'AWS_LAMBDA')
      throw notImplemented(
        'A lifecycle hook of targetType AWS_LAMBDA (berth runs no Lambda functions; PAUSE hooks are served)',
      );
    if (type !== 'PAUSE') throw bad(`${at}.targetType must be AWS_LAMBDA or PAUSE.`, `${at}.targetType`);
    if (!h.lifecycleStages?.length) throw bad(`${at}.lifecycleStages must be specified.`, `${at}.lifecycleStages`);
    for (const st of h.lifecycleStages)
      if (!HOOK_STAGES.includes(st))
        throw bad(`${st} is not a valid lifecycle stage for ${at}.`, `${at}.lifecycleStages`);
    const t = h.timeoutConfiguration;
    const timeout = t?.timeoutInMinutes;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 20160))
      throw bad(`${at}.timeoutConfiguration.timeoutInMinutes must be from 1 to 20160.`, `${at}.timeoutConfiguration`);
    return { ...h, targetType: 'PAUSE' };
  });
}

/**
 * The deployment strategy fields of a deployment configuration, checked as ECS checks them: the
 * traffic-shifting strategies (BLUE_GREEN, LINEAR, CANARY) serve REPLICA services only; BLUE_GREEN
 * needs a bake time; each of linear and canary takes its own configuration (defaults 10 % every
 * 6 minutes, 5 % for 10 minutes). Fields left out keep their current values while the strategy
 * stays the same.
 */
export function strategyFields(
  scheduling: string,
  given: Partial<DeploymentConfiguration> | undefined,
  current?: DeploymentConfiguration,
): StrategyFields {
  const strategy = given?.strategy ?? current?.strategy;
  if (strategy === undefined) {
    if (given?.lifecycleHooks?.length)
      throw bad('Lifecycle hooks need a BLUE_GREEN, LINEAR or CANARY strategy.', 'lifecycleHooks');
    return {};
  }
  if (!STRATEGIES.includes(strategy)) throw bad(`${String(strategy)} is not a valid deployment strategy.`, 'strategy');
  const same = current?.strategy === strategy;
  const pick = <K extends keyof StrategyFields>(k: K) => given?.[k] ?? (same ? current?.[k] : undefined);
  if (strategy === 'ROLLING') {
    if (given?.lifecycleHooks?.length)
      throw bad('Lifecycle hooks need a BLUE_GREEN, LINEAR or CANARY strategy.', 'lifecycleHooks');
    return { strategy };
  }
  if (scheduling === 'DAEMON')
    throw bad(`The DAEMON scheduling strategy supports only the ROLLING deployment strategy.`, 'strategy');
  const out: StrategyFields = { strategy };
  const bake = pick('bakeTimeInMinutes');
  if (bake === undefined && strategy === 'BLUE_GREEN')
    throw bad('bakeTimeInMinutes must be specified for the BLUE_GREEN deployment strategy.', 'bakeTimeInMinutes');
  out.bakeTimeInMinutes = minutes(bake ?? 0, 'bakeTimeInMinutes');
  const hooks = pick('lifecycleHooks');
  if (hooks?.length) out.lifecycleHooks = checkHooks(hooks);
  if (strategy === 'LINEAR') {
    const l = pick('linearConfiguration');
    out.linearConfiguration = {
      stepPercent: percent(l?.stepPercent ?? 10, 3, 'linearConfiguration.stepPercent'),
      stepBakeTimeInMinutes: minutes(l?.stepBakeTimeInMinutes ?? 6, 'linearConfiguration.stepBakeTimeInMinutes'),
    };
  } else if (given?.linearConfiguration)
    throw bad('linearConfiguration is only valid with the LINEAR deployment strategy.', 'linearConfiguration');
  if (strategy === 'CANARY') {
    const c = pick('canaryConfiguration');
    out.canaryConfiguration = {
      canaryPercent: percent(c?.canaryPercent ?? 5, 0.1, 'canaryConfiguration.canaryPercent'),
      canaryBakeTimeInMinutes: minutes(c?.canaryBakeTimeInMinutes ?? 10, 'canaryConfiguration.canaryBakeTimeInMinutes'),
    };
  } else if (given?.canaryConfiguration)
    throw bad('canaryConfiguration is only valid with the CANARY deployment strategy.', 'canaryConfiguration');
  return out;
}
