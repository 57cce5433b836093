import { generateKeyPairSync } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { Keyring } from '../crypto/keys.js'
import type { Random } from '../crypto/random.js'
import { open, seal } from '../crypto/secretbox.js'
import type { Store } from '../store/store.js'
import * as queries from './store.js'

/** A private RSA key as a JWK, with its id and algorithm. */
export type SigningJwk = JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' }

export interface SigningKeySet {
  /** The current key first (oidc-provider signs with the first key of an algorithm), then retired keys still verifying. */
  keys: SigningJwk[]
  /** Changes whenever the set does, so a process can tell that another one rotated. */
  fingerprint: string
}

export interface SigningKeyDeps {
  store: Store
  clock: Clock
  random: Random
  keyring: Keyring
  /** The longest lifetime of anything signed (ID tokens), so a retired key outlives every token it signed. */
  maxSignedTtlSeconds: number
}

// Every first key gets this id: processes starting together on an empty table agree on one key.
const FIRST_KID = 'portcullis-1'

/** Signing keys of the OpenID provider: made on first start, sealed at rest, rotated on demand. */
export function createSigningKeys(deps: SigningKeyDeps) {
  function generate(kid: string): { jwk: SigningJwk; sealed: string } {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk: SigningJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
    return { jwk, sealed: seal(deps.keyring, 'oidc-signing-key', Buffer.from(JSON.stringify(jwk)), kid) }
  }

  /**
   * The keys to sign and verify with; makes the first one when there is none.
   * @throws Error when a stored key does not open (PORTCULLIS_SECRET changed without PORTCULLIS_PREVIOUS_SECRETS).
   */
  async function load(): Promise<SigningKeySet> {
    let rows = await queries.listSigningKeys(deps.store)
    if (!rows.some((row) => row.retired_at === null)) {
      const { sealed } = generate(FIRST_KID)
      await queries.insertFirstSigningKey(deps.store, {
        kid: FIRST_KID,
        private_sealed: sealed,
        created_at: deps.clock.now().getTime(),
        retired_at: null,
        expires_at: null,
      })
      rows = await queries.listSigningKeys(deps.store)
    }
    const now = deps.clock.now().getTime()
    const usable = rows.filter((row) => row.expires_at === null || row.expires_at > now)
    // Current keys before retired ones; rows come newest first.
    usable.sort((a, b) => Number(a.retired_at !== null) - Number(b.retired_at !== null))
    const keys = usable.map((row) => {
      const plain = open(deps.keyring, 'oidc-signing-key', row.private_sealed, row.kid)
      if (!plain) throw new Error(`OpenID signing key ${row.kid} does not open with the configured secrets`)
      return JSON.parse(plain.toString('utf8')) as SigningJwk
    })
    return { keys, fingerprint: usable.map((row) => `${row.kid}:${row.retired_at ?? ''}`).join(',') }
  }

  /** Makes a new current key; the old one stays in JWKS, unused for signing, until its tokens have expired. */
  async function rotate(): Promise<{ kid: string; retiredUntil: Date }> {
    const now = deps.clock.now().getTime()
    const kid = `portcullis-${deps.random.id()}`
    const { sealed } = generate(kid)
    const retiredUntil = now + deps.maxSignedTtlSeconds * 1000
    await queries.rotateSigningKey(deps.store, { kid, private_sealed: sealed, created_at: now, retired_at: null, expires_at: null }, retiredUntil)
    return { kid, retiredUntil: new Date(retiredUntil) }
  }

  return { load, rotate }
}

export type SigningKeys = ReturnType<typeof createSigningKeys>
