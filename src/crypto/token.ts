import { createHash, timingSafeEqual } from 'node:crypto'

/** SHA-256 of a high-entropy token, as stored in the database; the token itself is never stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/**
 * Compares two strings in constant time. Both sides are hashed first so that unequal lengths
 * take the same path and reveal nothing.
 */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest()
  const right = createHash('sha256').update(b).digest()
  return timingSafeEqual(left, right) && a.length === b.length
}
