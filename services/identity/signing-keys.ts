// Signing keys for access tokens: Ed25519 pairs in the database, private halves encrypted at rest, rotated next -> active -> retired -> removed.
import { createCipheriv, createDecipheriv, createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { MillraceError, sql, uuidv7, type Database, type Outbox } from '@millrace/platform';
import type { IdentityConfig } from './config.ts';
import { expiredKeys, planRotation, type KeyState } from './domain.ts';
import { identityCodes } from './errors.ts';
import { signingKeys, type Executor, type SigningKeyRow } from './store.ts';

export interface PublicJwk {
  readonly kty: string;
  readonly crv?: string;
  readonly x?: string;
  readonly kid: string;
  readonly alg: string;
  readonly use: string;
}

/** Where verifiers get public keys from; the key store implements it, a remote JWKS does too. */
export interface PublicKeySource {
  publicJwks(): Promise<{ keys: PublicJwk[] }>;
}

const ROTATION_LOCK = 0x1de7_0001; // pg_advisory_xact_lock id: one rotation at a time across processes

/**
 * The signing keys: which one signs, which are published. Rotation publishes the new key before it signs.
 * @example const keys = new SigningKeyStore(db, outbox, config); await keys.ensure(); const { kid, key } = await keys.signingKey()
 */
export class SigningKeyStore implements PublicKeySource {
  readonly #db: Database;
  readonly #outbox: Outbox;
  readonly #config: IdentityConfig;
  readonly #now: () => Date;
  #cache: { rows: SigningKeyRow[]; at: number } | undefined;
  readonly #privateKeys = new Map<string, KeyObject>();

  constructor(db: Database, outbox: Outbox, config: IdentityConfig, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#outbox = outbox;
    this.#config = config;
    this.#now = now;
  }

  /** Creates the first active and next keys when there are none (first start). */
  async ensure(): Promise<void> {
    const rows = await signingKeys.all(this.#db.kysely);
    if (!rows.some((r) => r.state === 'active')) await this.rotate({ force: true });
  }

  /**
   * Promotes `next` to `active`, retires the old active key (published until its tokens expired), creates a new
   * `next`, and removes retired keys whose tokens are all expired. Refused while `next` is younger than the JWKS
   * cache time, unless forced.
   */
  async rotate(options: { force?: boolean } = {}): Promise<{ activeKid: string; retiredKid: string | null; nextKid: string }> {
    const now = this.#now();
    const result = await this.#outbox.transaction(async (tx) => {
      await sql`select pg_advisory_xact_lock(${ROTATION_LOCK})`.execute(tx.db);
      const rows = await signingKeys.allForUpdate(tx.db);
      const plan = planRotation(rows.map(info), now, { ...this.#config, force: options.force ?? false });
      await signingKeys.remove(tx.db, plan.remove);
      if (plan.retire) await signingKeys.setState(tx.db, plan.retire, { state: 'retired', retired_at: now, remove_after: plan.retiredRemoveAfter });
      let activeKid = plan.promote;
      if (activeKid) await signingKeys.setState(tx.db, activeKid, { state: 'active', activated_at: now });
      else activeKid = await this.#create(tx.db, 'active', now); // first start: nothing was published yet, nothing to protect
      const nextKid = await this.#create(tx.db, 'next', now);
      const event = { activeKid, retiredKid: plan.retire ?? null, nextKid };
      tx.publish({ type: 'identity.key-rotated', key: 'signing-keys', data: event });
      return event;
    });
    this.#cache = undefined;
    return result;
  }

  /** The active key: kid and private key, for signing. */
  async signingKey(): Promise<{ kid: string; key: KeyObject }> {
    const row = (await this.#rows()).find((r) => r.state === 'active');
    if (!row) throw new Error('no active signing key: call ensure() at start');
    let key = this.#privateKeys.get(row.kid);
    if (!key) {
      key = createPrivateKey({ key: this.#decrypt(row), format: 'der', type: 'pkcs8' });
      this.#privateKeys.set(row.kid, key);
    }
    return { kid: row.kid, key };
  }

  /** Every key a verifier should accept now: next, active, and retired keys whose tokens may still be valid. */
  async publicJwks(): Promise<{ keys: PublicJwk[] }> {
    const now = this.#now();
    const rows = await this.#rows();
    const gone = new Set(expiredKeys(rows.map(info), now));
    return { keys: rows.filter((r) => !gone.has(r.kid)).map((r) => ({ ...(r.public_jwk as object), kid: r.kid, alg: 'EdDSA', use: 'sig' }) as PublicJwk) };
  }

  // A few seconds of cache: verification runs per request; rotation in this process clears it.
  async #rows(): Promise<SigningKeyRow[]> {
    const t = this.#now().getTime();
    if (!this.#cache || t - this.#cache.at > 5_000 || t < this.#cache.at) {
      this.#cache = { rows: await signingKeys.all(this.#db.kysely), at: t };
    }
    return this.#cache.rows;
  }

  async #create(ex: Executor, state: KeyState, now: Date): Promise<string> {
    const kid = uuidv7();
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const jwk = publicKey.export({ format: 'jwk' });
    await signingKeys.insert(ex, {
      kid, state, public_jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
      ...this.#encrypt(kid, der),
      created_at: now, activated_at: state === 'active' ? now : null, retired_at: null, remove_after: null,
    });
    return kid;
  }

  #encrypt(kid: string, der: Buffer): { private_key: string; encrypted: boolean } {
    const kek = this.#config.keyEncryptionKey;
    // Without a key-encryption key (development only; required in production) the key is stored as is.
    if (!kek) return { private_key: `plain.${der.toString('base64')}`, encrypted: false };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', kek, iv);
    cipher.setAAD(Buffer.from(kid)); // binds the ciphertext to its kid: rows cannot be swapped
    const ct = Buffer.concat([cipher.update(der), cipher.final()]);
    return { private_key: ['v1', iv, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64'))).join('.'), encrypted: true };
  }

  #decrypt(row: SigningKeyRow): Buffer {
    const [v, a, b, c] = row.private_key.split('.');
    if (!row.encrypted && v === 'plain' && a) return Buffer.from(a, 'base64');
    const kek = this.#config.keyEncryptionKey;
    if (v !== 'v1' || !a || !b || !c || !kek) {
      throw new MillraceError('internal', identityCodes.keyDecryptFailed, `signing key ${row.kid}: no key-encryption key or unknown format`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(a, 'base64'));
      decipher.setAAD(Buffer.from(row.kid));
      decipher.setAuthTag(Buffer.from(b, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(c, 'base64')), decipher.final()]);
    } catch (cause) {
      throw new MillraceError('internal', identityCodes.keyDecryptFailed, `signing key ${row.kid}: cannot decrypt (wrong key-encryption key?)`, { cause });
    }
  }
}

function info(r: SigningKeyRow) {
  return { kid: r.kid, state: r.state, createdAt: r.created_at, removeAfter: r.remove_after };
}
