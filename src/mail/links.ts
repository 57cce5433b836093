/**
 * A link for a mail, on PUBLIC_URL with its path kept: `new URL('/x', 'https://h/auth')` would
 * drop `/auth`, so the path is joined by hand (API.md, "Links in mail").
 */
export function mailedLink(publicUrl: string, path: string, token: string): string {
  return publicPage(publicUrl, `${path}?token=${encodeURIComponent(token)}`)
}

/** A page on PUBLIC_URL, its path kept, with no token. */
export function publicPage(publicUrl: string, path: string): string {
  const base = new URL(publicUrl)
  return new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base.origin).href
}
