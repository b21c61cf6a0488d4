import { fetchCause } from '../../kernel/index.js';
import { Readable } from 'node:stream';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** Credentials per registry host, as `Authorization` header values. */
export type Credentials = ReadonlyMap<string, string>;

/**
 * A minimal OCI distribution client: manifests and blobs over HTTP(S), Basic credentials per host.
 * Loopback registries are spoken to over plain HTTP, as Docker treats them as insecure-allowed.
 */
export class RegistryClient {
  constructor(
    private readonly credentials: () => Credentials,
    /** Other names of a registry (alias → the host to reach it at). */
    private readonly routes: () => ReadonlyMap<string, string> = () => new Map(),
  ) {}

  private base(host: string): string {
    const plain = /^(localhost|127\.|\[::1\])/.test(host);
    return `${plain ? 'http' : 'https'}://${host}`;
  }

  private async get(named: string, path: string, accept?: string, authorization?: string): Promise<Response> {
    const host = this.routes().get(named) ?? named;
    // A workload's own credentials for its image's registry come first.
    const auth = authorization ?? this.credentials().get(host);
    const url = `${this.base(host)}${path}`;
    // fetch says only "fetch failed": the host and the cause (DNS, refused, TLS) are the news.
    const res = await fetch(url, {
      headers: { ...(auth ? { authorization: auth } : {}), ...(accept ? { accept } : {}) },
    }).catch((e: unknown) => {
      throw new Error(`cannot reach registry ${host} (GET ${url}): ${fetchCause(e)}`, { cause: e });
    });
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw new Error(`GET ${host}${path}: ${res.status} ${body.slice(0, 300)}`);
    }
    return res;
  }

  async manifest(
    host: string,
    repository: string,
    reference: string,
    authorization?: string,
  ): Promise<{ mediaType: string; bytes: Buffer }> {
    const res = await this.get(host, `/v2/${repository}/manifests/${reference}`, MANIFEST_TYPES, authorization);
    return {
      mediaType: (res.headers.get('content-type') ?? '').split(';')[0] ?? '',
      bytes: Buffer.from(await res.arrayBuffer()),
    };
  }

  async blob(host: string, repository: string, digest: string, authorization?: string): Promise<Readable> {
    const res = await this.get(host, `/v2/${repository}/blobs/${digest}`, undefined, authorization);
    if (!res.body) throw new Error(`blob ${digest} has no body`);
    return Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]);
  }
}
