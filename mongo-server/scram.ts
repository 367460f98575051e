// Server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677), with Node's crypto doing every primitive.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { CommandError } from './errors';

// mongod's minimum allowed by drivers is 4096; kept at the minimum so tests authenticate quickly.
const ITERATIONS = 4096;

export interface UserSpec {
  user: string;
  password: string;
  /** Authentication database; mongod users live in one. Default 'admin'. */
  db?: string;
}

interface StoredCredential {
  user: string;
  db: string;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

export function makeCredential(spec: UserSpec): StoredCredential {
  const salt = randomBytes(28);
  // SASLprep of the password is approximated by NFKC normalisation (identity for ASCII passwords).
  const salted = pbkdf2Sync(spec.password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return { user: spec.user, db: spec.db ?? 'admin', salt, storedKey: sha256(clientKey), serverKey: hmac(salted, 'Server Key') };
}

const authFailed = () => new CommandError(18, 'Authentication failed.');

function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/** One SCRAM conversation (saslStart -> saslContinue [-> empty saslContinue]). */
export class ScramConversation {
  private step = 0;
  private authMessage = '';
  private nonce = '';
  private cred: StoredCredential | undefined;
  done = false;
  user = '';
  db = '';

  constructor(
    readonly id: number,
    private readonly lookup: (user: string, db: string) => StoredCredential | undefined,
  ) {}

  /** client-first-message -> server-first-message */
  start(payload: string, db: string): string {
    // gs2 header "n,," (no channel binding), then client-first-message-bare.
    if (!payload.startsWith('n,')) throw authFailed();
    const bare = payload.slice(payload.indexOf(',', 2) + 1);
    const attrs = parseAttributes(bare);
    const user = (attrs.get('n') ?? '').replace(/=2C/g, ',').replace(/=3D/g, '=');
    const clientNonce = attrs.get('r');
    if (!clientNonce) throw authFailed();
    this.cred = this.lookup(user, db);
    this.user = user;
    this.db = db;
    // An unknown user still gets a well-formed challenge; the proof then fails, as with mongod.
    const salt = this.cred?.salt ?? randomBytes(28);
    this.nonce = clientNonce + randomBytes(24).toString('base64');
    const serverFirst = `r=${this.nonce},s=${salt.toString('base64')},i=${ITERATIONS}`;
    this.authMessage = `${bare},${serverFirst}`;
    this.step = 1;
    return serverFirst;
  }

  /** client-final-message -> server-final-message; or the empty closing exchange. */
  continue(payload: string): string {
    if (this.step === 2) {
      this.done = true;
      return '';
    }
    if (this.step !== 1) throw authFailed();
    const attrs = parseAttributes(payload);
    const proof = attrs.get('p');
    if (attrs.get('r') !== this.nonce || !proof || !this.cred) throw authFailed();
    const withoutProof = payload.slice(0, payload.lastIndexOf(',p='));
    const authMessage = `${this.authMessage},${withoutProof}`;
    const clientSignature = hmac(this.cred.storedKey, authMessage);
    const proofBytes = Buffer.from(proof, 'base64');
    if (proofBytes.length !== clientSignature.length) throw authFailed();
    const clientKey = Buffer.alloc(proofBytes.length);
    for (let i = 0; i < proofBytes.length; i++) clientKey[i] = proofBytes[i] ^ clientSignature[i];
    if (!timingSafeEqual(sha256(clientKey), this.cred.storedKey)) throw authFailed();
    this.step = 2;
    return `v=${hmac(this.cred.serverKey, authMessage).toString('base64')}`;
  }
}
