import type { Context, MiddlewareHandler } from 'hono'
import type { Auth } from './create-auth.js'
import { socketAddress } from './http/client-address.js'
import { type AuthContext, authorize, type GuardOptions, refusal } from './http/guard.js'

export type { AuthContext, GuardOptions } from './http/guard.js'

/** The variables requireAuth sets: `c.get('auth')`. */
export interface AuthVariables {
  auth: AuthContext
}

/**
 * A Hono handler serving the API: `app.all('/api/auth/*', toHonoHandler(auth))`. On
 * @hono/node-server it passes the socket's address as the client address.
 */
export function toHonoHandler(auth: Auth) {
  return (c: Context) => {
    const env = c.env as { incoming?: { socket: { remoteAddress?: string } } } | undefined
    return auth.handler(c.req.raw, { clientAddress: socketAddress(env?.incoming) })
  }
}

/**
 * Middleware for an application's own routes: `c.get('auth')` is { user, session } after it, or it
 * answers 401 unauthorized / 403 step_up_required / 403 mfa_enrollment_required in the API's error shape.
 */
export function requireAuth(auth: Auth, options: GuardOptions = {}): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const outcome = await authorize(auth, c.req.raw, options)
    if (outcome instanceof Error) {
      const { status, body } = refusal(outcome)
      return c.json(body, status as 401, { 'Cache-Control': 'no-store' })
    }
    c.set('auth', outcome)
    await next()
  }
}
