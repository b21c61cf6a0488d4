/**
 * When a latency sample first asks DescribeTasks, after RunTask has answered: less than any start
 * measured here (the raw runc floor is 40-50 ms), so a sample can only read longer for it, never
 * shorter. Polled every 2 ms from the start, the requests (signed by the client, checked and
 * answered by berth) took the CPU of this 2-core host from the start they timed: ~6 ms at p50.
 */
export const FIRST_POLL_MS = 30;

export const SLEEP = ['sh', '-c', "trap 'exit 0' TERM; sleep 600 & wait"];

export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;

export const ms = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
