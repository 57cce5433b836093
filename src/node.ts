import type { IncomingMessage, ServerResponse } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import type { Auth } from './create-auth.js'
import { socketAddress } from './http/client-address.js'
import { type AuthContext, authorize, type GuardOptions, refusal } from './http/guard.js'

export type { AuthContext, GuardOptions } from './http/guard.js'

type NodeRequest = IncomingMessage & { originalUrl?: string; auth?: AuthContext }

/**
 * A node:http request listener serving the API (node:http, Express, Connect), with the socket's
 * address as the client address. Mount it before any body parser: it reads the body itself.
 */
export function toNodeHandler(auth: Auth): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const listener = getRequestListener((request, env) => auth.handler(request, { clientAddress: socketAddress(env.incoming) }))
  return (req: NodeRequest, res) => {
    // Express and Connect strip the mount path from req.url; the API routes on the full path.
    if (req.originalUrl) req.url = req.originalUrl
    return listener(req, res)
  }
}

/**
 * Middleware for an application's own routes: sets `req.auth` ({ user, session }) and calls `next`,
 * or answers 401 unauthorized / 403 step_up_required / 403 mfa_enrollment_required in the API's
 * error shape. Without `next` (plain node:http) it resolves to the AuthContext, or null once it
 * has answered.
 */
export function requireAuth(auth: Auth, options: GuardOptions = {}) {
  return async (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): Promise<AuthContext | null> => {
    let outcome: Awaited<ReturnType<typeof authorize>>
    try {
      outcome = await authorize(auth, req, options)
    } catch (error) {
      if (next) next(error)
      else throw error
      return null
    }
    if (outcome instanceof Error) {
      const { status, body } = refusal(outcome)
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body))
      return null
    }
    ;(req as NodeRequest).auth = outcome
    next?.()
    return outcome
  }
}

/** The session requireAuth put on the request (`req.auth`), typed. @throws Error when requireAuth did not run first. */
export function authOf(req: object): AuthContext {
  const found = (req as NodeRequest).auth
  if (!found) throw new Error('requireAuth(auth) must run before this handler')
  return found
}
