import type { MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import { safeEqual } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import { parseBody, parseQuery } from '../../http/body.js'
import type { AppEnv } from '../../http/env.js'
import { bearerToken } from '../../http/session.js'
import { createUserBody, listUsersQuery, unlockAddressBody } from './schema.js'
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

  app.get('/admin/users', async (c) => c.json(await admin.list(parseQuery(c, listUsersQuery))))

  app.get('/admin/users/:id', async (c) => c.json({ user: await admin.show(c.req.param('id')) }))

  app.post('/admin/users', async (c) => {
    const body = await parseBody(c, createUserBody)
    return c.json({ user: await admin.create(body, c.get('context')) }, 201)
  })

  app.post('/admin/users/:id/disable', async (c) => {
    await admin.disable(c.req.param('id'), c.get('context'))
    return c.body(null, 204)
  })

  app.post('/admin/users/:id/enable', async (c) => {
    await admin.enable(c.req.param('id'), c.get('context'))
    return c.body(null, 204)
  })

  app.delete('/admin/users/:id', async (c) => {
    await admin.remove(c.req.param('id'), c.get('context'))
    return c.body(null, 204)
  })

  app.post('/admin/users/:id/sessions/revoke', async (c) => {
    await admin.revokeSessions(c.req.param('id'), c.get('context'))
    return c.body(null, 204)
  })

  app.post('/admin/addresses/unlock', async (c) => {
    const body = await parseBody(c, unlockAddressBody)
    await admin.unlockAddress(body.ip, c.get('context'))
    return c.body(null, 204)
  })

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
