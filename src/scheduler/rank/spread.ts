import type { InstanceView } from '../types.js';

/**
 * spread prefers the value of a field that holds the fewest tasks of the group so far, counted
 * over every instance sharing the value (the stack keeps those counts); `instanceId` is each
 * instance by itself. An instance without the attribute counts under the empty value.
 */
export function spreadValue(inst: InstanceView, field: string): string {
  if (field === 'instanceId') return inst.id;
  return inst.attributes[attributeName(field)] ?? '';
}

const names = new Map<string, string>();
/** `attribute:x` → `x`, remembered (it is asked once per instance per placement decision). */
function attributeName(field: string): string {
  let n = names.get(field);
  if (n === undefined) {
    if (names.size > 1000) names.clear();
    names.set(field, (n = field.startsWith('attribute:') ? field.slice('attribute:'.length) : field));
  }
  return n;
}
