import { invalidParameter, notImplemented } from '../kernel/index.js';
import { defineTable, type ReadTx } from '../store/index.js';
import { parseRule, ruleAlarms, RuleError, ruleHolds, type Rule } from './alarm-rule.js';
import { alarmBase, alarmHistory, alarms, moved, type AlarmBaseInput, type AlarmState } from './alarms.js';
import { nowMs, type MetricsDeps } from './deps.js';

/** A composite alarm: a rule over other alarms' states (CloudWatch's CompositeAlarm). */
export interface CompositeAlarmRecord {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  AlarmRule: string;
  ActionsEnabled: boolean;
  AlarmActions: string[];
  OKActions: string[];
  InsufficientDataActions: string[];
  AlarmConfigurationUpdatedTimestamp: number;
  StateValue: AlarmState;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: number;
  StateTransitionedTimestamp: number;
}

export const compositeAlarms = defineTable<CompositeAlarmRecord>('metrics.composite-alarms', (a) => a.AlarmName);

export interface PutCompositeAlarmInput extends AlarmBaseInput {
  AlarmRule: string;
  ActionsSuppressor?: string;
}

/** An alarm named in a rule by its name or its ARN, as the alarm's name. */
export const alarmNameOf = (ref: string) =>
  /^arn:[^:]+:cloudwatch:[^:]*:\d*:alarm:/.test(ref) ? ref.slice(ref.indexOf(':alarm:') + 7) : ref;

const parsed = (rule: string): Rule => {
  try {
    return parseRule(rule);
  } catch (e) {
    if (e instanceof RuleError) throw invalidParameter(`Error in AlarmRule: ${e.message}.`, { field: 'AlarmRule' });
    throw e;
  }
};

/** The alarms a composite's rule names, by name. */
export const childrenOf = (c: CompositeAlarmRecord) => [...ruleAlarms(parseRule(c.AlarmRule))].map(alarmNameOf);

/** Whether `name`'s rule reaches `target`, through composites (a rule may not reach its own alarm). */
function reaches(tx: ReadTx, from: readonly string[], target: string, seen = new Set<string>()): boolean {
  for (const n of from) {
    if (n === target) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    const c = tx.get(compositeAlarms, n)?.value;
    if (c && reaches(tx, childrenOf(c), target, seen)) return true;
  }
  return false;
}

/**
 * PutCompositeAlarm: creates or replaces a composite alarm. Every alarm its rule names must exist
 * (a metric or a composite alarm), and the rule may not lead back to the alarm itself.
 */
export async function putCompositeAlarm(
  deps: MetricsDeps,
  input: PutCompositeAlarmInput,
): Promise<CompositeAlarmRecord> {
  if (input.ActionsSuppressor !== undefined) throw notImplemented('composite alarms’ action suppressors');
  const rule = parsed(input.AlarmRule);
  const children = [...ruleAlarms(rule)].map(alarmNameOf);
  const now = nowMs(deps);
  return await deps.store.transact((tx) => {
    if (tx.get(alarms, input.AlarmName))
      throw invalidParameter(`The alarm ${input.AlarmName} is a metric alarm, not a composite alarm.`, {
        field: 'AlarmName',
      });
    const missing = children.filter((n) => !tx.get(alarms, n) && !tx.get(compositeAlarms, n));
    if (missing.length > 0)
      throw invalidParameter(`Error in AlarmRule: the alarms [${missing.join(', ')}] do not exist.`, {
        field: 'AlarmRule',
      });
    if (reaches(tx, children, input.AlarmName))
      throw invalidParameter(`Error in AlarmRule: the rule leads back to ${input.AlarmName} itself.`, {
        field: 'AlarmRule',
      });
    const { base, change } = alarmBase(deps, input, tx.get(compositeAlarms, input.AlarmName)?.value, now);
    const rec: CompositeAlarmRecord = { ...base, AlarmRule: input.AlarmRule };
    tx.put(compositeAlarms, rec);
    tx.put(alarmHistory, change);
    return rec;
  });
}

// As CloudWatch words a composite's reason: `… transitioned to ALARM at Thursday 03 December, 2026 13:35:00 UTC`.
const spoken = (ms: number) => {
  const d = new Date(ms);
  const day = d.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
  const date = d.toLocaleDateString('en-GB', { day: '2-digit', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const [dd, month, year] = date.split(' ');
  return `${day} ${dd} ${month}, ${year} ${d.toISOString().slice(11, 19)} UTC`;
};

/** Moves a composite alarm to a state, recording the change (SetAlarmState and its evaluation). */
export async function setCompositeState(
  deps: MetricsDeps,
  name: string,
  state: AlarmState,
  reason: string,
  data?: string,
): Promise<CompositeAlarmRecord | undefined> {
  const now = nowMs(deps);
  return await deps.store.transact((tx) => {
    const cur = tx.get(compositeAlarms, name)?.value;
    if (!cur) return undefined;
    const { next, change } = moved(cur, state, reason, data, now);
    tx.put(compositeAlarms, next);
    if (change) tx.put(alarmHistory, change);
    return next;
  });
}

/**
 * Evaluates every composite alarm after the metric alarms: ALARM while its rule holds, OK while
 * it does not; the reason names the child alarm that changed last, as CloudWatch's does. Composites
 * of composites settle within the pass (each is evaluated until none moves, at most once per alarm).
 */
export async function evaluateCompositeAlarms(deps: MetricsDeps): Promise<void> {
  // Each rule parsed once a pass; the records are read again each round, for the states it moved.
  const rules = new Map(
    deps.store.read((tx) => tx.list(compositeAlarms)).map((e) => [e.value.AlarmRule, parseRule(e.value.AlarmRule)]),
  );
  for (let round = 0; round <= rules.size; round++) {
    let changed = false;
    for (const c of deps.store.read((tx) => tx.list(compositeAlarms)).map((e) => e.value)) {
      const rule = rules.get(c.AlarmRule) ?? parseRule(c.AlarmRule);
      const children = [...ruleAlarms(rule)].map(alarmNameOf);
      const states = deps.store.read((tx) =>
        children.map((n) => tx.get(alarms, n)?.value ?? tx.get(compositeAlarms, n)?.value),
      );
      const byName = new Map(states.flatMap((s) => (s ? [[s.AlarmName, s] as const] : [])));
      const holds = ruleHolds(rule, (ref) => byName.get(alarmNameOf(ref))?.StateValue);
      const state: AlarmState = holds ? 'ALARM' : 'OK';
      if (state === c.StateValue) continue;
      const last = [...byName.values()].sort((a, b) => b.StateTransitionedTimestamp - a.StateTransitionedTimestamp)[0];
      const reason = last
        ? `${last.AlarmArn} transitioned to ${last.StateValue} at ${spoken(last.StateTransitionedTimestamp)}`
        : `The rule ${c.AlarmRule} is ${holds ? 'true' : 'false'}`;
      const data = last
        ? JSON.stringify({
            triggeringAlarms: [
              {
                arn: last.AlarmArn,
                state: { value: last.StateValue, timestamp: new Date(last.StateTransitionedTimestamp).toISOString() },
              },
            ],
          })
        : undefined;
      await setCompositeState(deps, c.AlarmName, state, reason, data);
      changed = true;
    }
    if (!changed) return;
  }
}
