/**
 * Runs `pass` every `ms`, one pass at a time (a pass still running when the next is due makes it
 * wait for the one after: a slow store must not pile passes up), without keeping the process
 * alive. `pass` handles its own errors. Returns what stops it.
 */
export function every(ms: number, pass: () => Promise<void>): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void pass().finally(() => (busy = false));
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
