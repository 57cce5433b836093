import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { KeyPurpose, Keyring } from './keys.js'

const VERSION = 'v1'
// Pinned, so a value whose tag was cut short is refused instead of checked against fewer bytes.
const TAG_BYTES = 16

/**
 * Encrypts with AES-256-GCM under the keyring's current key for `purpose`.
 * The result names the key id, so values sealed before a rotation still open.
 * `context` (e.g. the owning user id) is bound as associated data: a sealed value moved
 * to another row does not open.
 */
export function seal(keyring: Keyring, purpose: KeyPurpose, plaintext: Uint8Array, context: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyring.key(purpose), iv)
  cipher.setAAD(Buffer.from(context))
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const parts = [iv, body, cipher.getAuthTag()].map((part) => part.toString('base64url'))
  return [VERSION, keyring.keyId, ...parts].join('.')
}

/** Opens a value made by seal; null when the key is unknown or the value was altered. */
export function open(keyring: Keyring, purpose: KeyPurpose, sealed: string, context: string): Buffer | null {
  const parts = sealed.split('.')
  if (parts.length !== 5) return null
  const [version, keyId, iv, body, tag] = parts
  if (version !== VERSION || !keyId || !iv || body === undefined || !tag) return null
  const key = keyring.keyById(purpose, keyId)
  if (!key) return null
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES })
    decipher.setAAD(Buffer.from(context))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()])
  } catch {
    return null
  }
}
