/**
 * The redirect target if it is safe, else null: a path starting with a single `/`, or an
 * absolute URL whose origin — compared after parsing — is the public one or an allowed one.
 */
export function safeRedirect(value: string, publicOrigin: string, allowedOrigins: readonly string[]): string | null {
  // "//evil.example" and "/\evil.example" are protocol-relative to browsers, not paths.
  if (value.startsWith('/')) return /^\/(?![/\\])/.test(value) && !/\p{Cc}/u.test(value) ? value : null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return null
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null
  if (url.username || url.password) return null
  return url.origin === publicOrigin || allowedOrigins.includes(url.origin) ? url.href : null
}
