import type { Checker } from '../types.js';

/** Only an instance whose agent is connected can start anything. */
export const agentConnected: Checker = (inst) => (inst.agentConnected ? undefined : 'AGENT');
