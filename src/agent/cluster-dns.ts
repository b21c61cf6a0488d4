import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../kernel/index.js';
import type { ServiceRoutes } from '../wire/index.js';
import { RCODE, readQuestion, TYPE_A, writeAnswer, writeFormatError } from './dns-message.js';

type Dns = NonNullable<ServiceRoutes['dns']>;

const FORWARD_TIMEOUT_MS = 2000;
/** Questions passed on at once: past this, more get SERVFAIL rather than more sockets. */
const MAX_FORWARDS = 256;

/**
 * The cluster's DNS server on a host (UDP): names in the zone answered from the routes the
 * control plane sends (a name it does not know is NXDOMAIN, authoritatively), every other question
 * passed on to the host's resolvers and their answer relayed as it came.
 */
export class ClusterDns {
  private socket?: Socket;
  private address?: string;
  private zone = 'cluster.local';
  private records = new Map<string, string[]>();
  private forwarding = 0;

  constructor(
    private readonly upstream: () => Promise<string[]>,
    private readonly logger: Logger,
    /** The upstream resolvers' port (53; another in tests). */
    private readonly upstreamPort = 53,
  ) {}

  /** Takes the routes' names; listens on their address (again, if it moved). */
  async apply(dns: Dns | undefined, port = 53): Promise<void> {
    if (!dns) return this.close();
    this.zone = dns.zone.toLowerCase();
    this.records = new Map(dns.records.map((r) => [r.name.toLowerCase(), r.ips]));
    if (this.address === dns.ip && this.socket) return;
    this.close();
    const socket = createSocket('udp4');
    socket.on(
      'message',
      (msg, from) => void this.answer(msg).then((out) => out && socket.send(out, from.port, from.address)),
    );
    socket.on('error', (e) => this.logger.warn({ err: String(e) }, 'cluster DNS socket failed'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, dns.ip, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    this.address = dns.ip;
  }

  /** The answer to one message, or undefined when none is due (a response, an unreadable message). */
  async answer(msg: Buffer): Promise<Buffer | undefined> {
    if (msg.length >= 4 && (msg[2] as number) & 0x80) return undefined;
    const q = readQuestion(msg);
    if (!q) return writeFormatError(msg);
    if (q.name === this.zone || q.name.endsWith(`.${this.zone}`)) {
      const ips = this.records.get(q.name);
      if (!ips) return writeAnswer(q, RCODE.nameError);
      // The name exists: A records for an A question, none (NOERROR) for any other type.
      return writeAnswer(q, RCODE.ok, q.type === TYPE_A && q.klass === 1 ? ips : []);
    }
    return (await this.forward(msg)) ?? writeAnswer(q, RCODE.serverFailure);
  }

  private async forward(msg: Buffer): Promise<Buffer | undefined> {
    if (this.forwarding >= MAX_FORWARDS) return undefined;
    const servers = await this.upstream();
    const server = servers[0];
    if (!server) return undefined;
    this.forwarding++;
    const s = createSocket('udp4');
    try {
      return await new Promise<Buffer | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), FORWARD_TIMEOUT_MS);
        s.on('message', (reply) => {
          // Only the answer to this question (same id).
          if (reply.length >= 2 && reply.readUInt16BE(0) === msg.readUInt16BE(0)) {
            clearTimeout(timer);
            resolve(reply);
          }
        });
        s.on('error', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
        s.send(msg, this.upstreamPort, server);
      });
    } finally {
      this.forwarding--;
      s.close();
    }
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
    this.address = undefined;
  }
}
