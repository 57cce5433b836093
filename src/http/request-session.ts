import { parse } from 'hono/utils/cookie'
import { type CookieSettings, cookieName, SESSION_COOKIE } from './cookies.js'

/** A fetch Request, or anything with its headers: a node:http IncomingMessage, an Express request. */
export type RequestLike = { headers: Headers } | { headers: Record<string, string | string[] | undefined> }

function header(request: RequestLike, name: string): string | undefined {
  const headers = request.headers
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const value = headers[name]
  return Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value
}

/**
 * The session token a request carries, read as the API reads it: the bearer token when there is an
 * Authorization header (no fallback to a cookie), else the session cookie.
 */
export function sessionTokenOf(request: RequestLike, settings: CookieSettings): string | null {
  const authorization = header(request, 'authorization')
  if (authorization !== undefined) return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? null
  const cookies = header(request, 'cookie')
  if (!cookies) return null
  const name = cookieName(settings, SESSION_COOKIE)
  return parse(cookies, name)[name] ?? null
}
