import type { Keyring } from '../../crypto/keys.js'
import { safeEqual } from '../../crypto/token.js'

/** `<id>.<HMAC(id)>` under the challenge's own purpose key: it can name a challenge but never pass as a session. */
export function signChallengeToken(keyring: Keyring, id: string): string {
  return `${id}.${keyring.hmac('mfa-challenge', id)}`
}

/** The challenge id a token names, or null when it was not signed by this server. */
export function readChallengeToken(keyring: Keyring, token: string): string | null {
  const [id, signature, ...rest] = token.split('.')
  if (!id || !signature || rest.length > 0) return null
  return safeEqual(signature, keyring.hmac('mfa-challenge', id)) ? id : null
}
