import type { MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import { safeEqual } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import type { AppEnv } from '../../http/env.js'
import { bearerToken } from '../../http/session.js'
import type { AdminService } from './service.js'

/** Admin routes exist only when an admin token is configured; anything but that exact bearer token is refused. */
export function adminRoutes(admin: AdminService, adminToken: string | undefined) {
  const app = new Hono<AppEnv>()
  app.use('/admin/*', adminGuard(adminToken))

  app.delete('/admin/users/:id/mfa', async (c) => {
    await admin.resetMfa(c.req.param('id'), c.get('context'))
    return c.body(null, 204)
  })

  app.post('/admin/users/:id/unlock', async (c) => {
    await admin.unlock(c.req.param('id'), c.get('context'))
    return c.body(null, 204)
  })

  app.get('/admin/users/:id/audit', async (c) => c.json({ events: await admin.audit(c.req.param('id')) }))

  return app
}

/** Lets through only requests bearing the configured admin token; with none configured, nothing. */
export function adminGuard(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = bearerToken(c)
    if (!adminToken || !presented || !safeEqual(presented, adminToken)) {
      throw new PortcullisError('forbidden', 'Admin routes need the admin token')
    }
    await next()
  }
}
