/**
 * Why a fetch failed, in a word: Node's fetch says only "fetch failed" and keeps the system
 * error (ECONNREFUSED, ENOTFOUND, a TLS fault) in `cause`.
 */
export function fetchCause(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message;
}
