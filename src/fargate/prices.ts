import { invalidParameter } from '../kernel/index.js';

/** What Fargate time costs, in USD: per vCPU-hour and GB-hour, on demand and on Spot. */
export interface FargatePrices {
  vcpuHour: number;
  gbHour: number;
  spotVcpuHour: number;
  spotGbHour: number;
  /** Per GB-hour of ephemeral storage beyond the 20 GB every task gets. */
  storageGbHour: number;
}

/** us-east-1 Linux/x86 list prices (Spot's vary; these are a typical recent level). */
export const DEFAULT_PRICES: FargatePrices = {
  vcpuHour: 0.04048,
  gbHour: 0.004445,
  spotVcpuHour: 0.01244,
  spotGbHour: 0.00137,
  storageGbHour: 0.000111,
};

const KEYS: Record<string, keyof FargatePrices> = {
  vcpu: 'vcpuHour',
  gb: 'gbHour',
  'spot-vcpu': 'spotVcpuHour',
  'spot-gb': 'spotGbHour',
  storage: 'storageGbHour',
};

/** `vcpu=0.04,gb=0.0044,spot-vcpu=…,spot-gb=…,storage=…` over the defaults; unknown keys refused. */
export function parsePrices(text: string | undefined): FargatePrices {
  const out = { ...DEFAULT_PRICES };
  if (!text) return out;
  for (const part of text.split(',')) {
    const [k, v] = part.split('=');
    const key = KEYS[(k ?? '').trim()];
    const n = Number(v);
    if (!key) throw invalidParameter(`unknown price '${k ?? ''}' (known: ${Object.keys(KEYS).join(', ')})`);
    if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n < 0)
      throw invalidParameter(`price ${k ?? ''} must be a non-negative number of USD`);
    out[key] = n;
  }
  return out;
}
