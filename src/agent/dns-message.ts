/**
 * The part of DNS (RFC 1035) the cluster DNS server needs: a query's one question read, an answer
 * of A records (or none, or an error code) written. Every read is bounds-checked; a query that is
 * not one plain question (compressed names in it, several questions, a response) is refused
 * rather than guessed at.
 */
export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const RCODE = { ok: 0, formatError: 1, serverFailure: 2, nameError: 3, notImplemented: 4 } as const;

export interface Question {
  id: number;
  /** Lower case, without the final dot. */
  name: string;
  type: number;
  klass: number;
  /** Whether the client asked for recursion (copied into the answer). */
  recursionDesired: boolean;
  /** The question's bytes as sent (header excluded), echoed in the answer. */
  raw: Buffer;
}

const MAX_NAME = 255;

/** The query's question, or undefined for anything else (and then, if there is an id, a FORMERR is due). */
export function readQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.length > 512) return undefined;
  const flags = msg.readUInt16BE(2);
  const opcode = (flags >> 11) & 0xf;
  if (flags & 0x8000 || opcode !== 0) return undefined;
  if (msg.readUInt16BE(4) !== 1) return undefined;
  let pos = 12;
  const labels: string[] = [];
  let length = 0;
  for (;;) {
    if (pos >= msg.length) return undefined;
    const n = msg[pos] as number;
    pos++;
    if (n === 0) break;
    // A pointer (0xc0) or the reserved forms: not in a question we take.
    if (n > 63 || pos + n > msg.length) return undefined;
    length += n + 1;
    if (length > MAX_NAME) return undefined;
    labels.push(
      msg
        .subarray(pos, pos + n)
        .toString('latin1')
        .toLowerCase(),
    );
    pos += n;
  }
  if (pos + 4 > msg.length) return undefined;
  return {
    id: msg.readUInt16BE(0),
    name: labels.join('.'),
    type: msg.readUInt16BE(pos),
    klass: msg.readUInt16BE(pos + 2),
    recursionDesired: Boolean(flags & 0x0100),
    raw: Buffer.from(msg.subarray(12, pos + 4)),
  };
}

/** An answer to `q`: its A records (for the question's name, TTL `ttl`), authoritative, with `rcode`. */
export function writeAnswer(q: Question, rcode: number, ips: string[] = [], ttl = 5): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, AA, RD as asked, RA.
  header.writeUInt16BE(0x8000 | 0x0400 | (q.recursionDesired ? 0x0100 : 0) | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  const answers = ips.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the question's name, at offset 12
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((part, i) => rr.writeUInt8(Number(part) & 255, 12 + i));
    return rr;
  });
  return Buffer.concat([header, q.raw, ...answers]);
}

/** A bare error answer for a message whose question could not be read: its id kept, if it has one. */
export function writeFormatError(msg: Buffer): Buffer | undefined {
  if (msg.length < 2) return undefined;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(msg.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8000 | RCODE.formatError, 2);
  return header;
}
