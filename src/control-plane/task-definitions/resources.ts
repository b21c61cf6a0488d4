import { invalidParameter } from '../../kernel/index.js';

const clientError = (message: string, field: string) =>
  invalidParameter(message, { field, reason: 'definition-invalid' });

/** Task-level CPU as ECS accepts it: units ("1024") or vCPUs ("1 vCPU", "0.25 vcpu"). */
export function parseCpu(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(t);
  if (m) return Math.round(Number(m[1]) * 1024);
  throw clientError(
    `Invalid 'cpu' setting for task. '${text}' is not a number of CPU units or of vCPUs (e.g. '1024' or '1 vCPU').`,
    'cpu',
  );
}

/** Task-level memory as ECS accepts it: MiB ("2048") or GB ("2GB", "0.5 GB"). */
export function parseMemory(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^(\d+(?:\.\d+)?)\s*gb$/i.exec(t);
  if (m) return Math.round(Number(m[1]) * 1024);
  throw clientError(
    `Invalid 'memory' setting for task. '${text}' is not a number of MiB or of GB (e.g. '2048' or '2GB').`,
    'memory',
  );
}

/** The CPU/memory pairs Fargate offers: for each CPU, the memory range and step in MiB. */
const FARGATE: Record<number, [number, number, number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};

export function isFargatePair(cpu: number, memory: number): boolean {
  const r = FARGATE[cpu];
  if (!r) return false;
  if (cpu === 256) return memory === 512 || memory === 1024 || memory === 2048;
  return memory >= r[0] && memory <= r[1] && (memory - r[0]) % r[2] === 0;
}
