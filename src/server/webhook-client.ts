import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { WebhookClient } from '../kube/index.js';

/** The most of a webhook's answer read (an AdmissionReview with a patch is small). */
const MAX_ANSWER = 3 * 1024 * 1024;

/**
 * Admission webhooks called over HTTPS as the API server calls them: a POST of the
 * AdmissionReview to the URL with `?timeout=<n>s`, the server's certificate checked against the
 * webhook's caBundle (the host's CAs without one) for its service name or the URL's host; the
 * answer read up to 3 MiB within the webhook's timeout.
 */
export function httpsWebhookClient(): WebhookClient {
  return {
    post(url, body, o) {
      return new Promise((resolve, reject) => {
        const u = new URL(url);
        u.searchParams.set('timeout', `${Math.round(o.timeoutMs / 1000)}s`);
        const data = Buffer.from(JSON.stringify(body));
        const host = u.hostname.replace(/^\[|\]$/g, '');
        const name = o.serverName ?? host;
        const req = https.request(
          u,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': data.length },
            ...(o.caBundle ? { ca: o.caBundle } : {}),
            ...(isIP(name) ? {} : { servername: name }),
            checkServerIdentity: (_h, cert) => tls.checkServerIdentity(name, cert),
            timeout: o.timeoutMs,
            agent: false,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_ANSWER) req.destroy(new Error(`the answer is over ${MAX_ANSWER} bytes`));
              else chunks.push(c);
            });
            res.on('end', () => {
              const code = res.statusCode ?? 0;
              if (code < 200 || code > 299) return reject(new Error(`the server responded with status ${code}`));
              try {
                resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
              } catch {
                reject(new Error('the answer is not JSON'));
              }
            });
            res.on('error', reject);
          },
        );
        // The whole call within the webhook's timeout, not only each idle stretch.
        const timer = setTimeout(() => req.destroy(new Error('context deadline exceeded')), o.timeoutMs);
        req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
        req.on('error', reject);
        req.on('close', () => clearTimeout(timer));
        req.end(data);
      });
    },
  };
}
