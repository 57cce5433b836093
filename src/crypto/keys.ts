import { createHash, createHmac, hkdfSync } from 'node:crypto'

/** Every purpose a key is derived for; a value made for one is worthless for every other. */
export type KeyPurpose =
  | 'session-cookie'
  | 'csrf'
  | 'mfa-challenge'
  | 'email-otp'
  | 'recovery-code'
  | 'totp-secret'
  | 'audit-chain'
  | 'trusted-device'
  | 'oidc-signing-key'
  | 'oidc-client-secret'
  | 'oidc-cookie'

export interface Keyring {
  /** The current key for a purpose (HKDF-SHA-256 of the secret with the purpose as label). */
  key(purpose: KeyPurpose): Buffer
  /** HMAC-SHA-256 under the purpose's current key, base64url. */
  hmac(purpose: KeyPurpose, data: string): string
  /** The current secret's short id, stored beside what it encrypts so keys can rotate. */
  readonly keyId: string
  /** The key for a purpose under the secret with this id, if it is still known. */
  keyById(purpose: KeyPurpose, keyId: string): Buffer | undefined
}

const SALT = 'portcullis/v1'

/** Derives per-purpose keys from the current secret and any previous secrets kept for rotation. */
export function createKeyring(secret: string, previousSecrets: readonly string[] = []): Keyring {
  const secrets = new Map<string, string>()
  const currentId = secretId(secret)
  secrets.set(currentId, secret)
  for (const previous of previousSecrets) secrets.set(secretId(previous), previous)

  const cache = new Map<string, Buffer>()
  function keyById(purpose: KeyPurpose, keyId: string): Buffer | undefined {
    const cacheKey = `${keyId}:${purpose}`
    const cached = cache.get(cacheKey)
    if (cached) return cached
    const source = secrets.get(keyId)
    if (source === undefined) return undefined
    const derived = Buffer.from(hkdfSync('sha256', source, SALT, purpose, 32))
    cache.set(cacheKey, derived)
    return derived
  }
  function key(purpose: KeyPurpose): Buffer {
    return keyById(purpose, currentId) as Buffer
  }
  return {
    key,
    keyById,
    keyId: currentId,
    hmac: (purpose, data) => createHmac('sha256', key(purpose)).update(data).digest('base64url'),
  }
}

function secretId(secret: string): string {
  return createHash('sha256').update(`portcullis-key-id:${secret}`).digest('hex').slice(0, 8)
}
