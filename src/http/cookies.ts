import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'

export interface CookieSettings {
  secureCookies: boolean
}

/** `__Host-` pins the cookie to this host and path `/` and requires Secure: used whenever the public URL is https. */
export function cookieName(settings: CookieSettings, base: string): string {
  return settings.secureCookies ? `__Host-${base}` : base
}

export function readCookie(c: Context, settings: CookieSettings, base: string): string | undefined {
  return getCookie(c, cookieName(settings, base))
}

export function writeCookie(c: Context, settings: CookieSettings, base: string, value: string, maxAgeSeconds: number): void {
  setCookie(c, cookieName(settings, base), value, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: settings.secureCookies,
    path: '/',
    maxAge: maxAgeSeconds,
  })
}

export function clearCookie(c: Context, settings: CookieSettings, base: string): void {
  deleteCookie(c, cookieName(settings, base), { path: '/', secure: settings.secureCookies })
}

export const SESSION_COOKIE = 'portcullis_session'
export const TRUSTED_DEVICE_COOKIE = 'portcullis_trusted_device'
export const CSRF_COOKIE = 'portcullis_csrf'
/** The OpenID interaction a sign-in in the web UI returns to. */
export const OIDC_RETURN_COOKIE = 'portcullis_oidc_return'
