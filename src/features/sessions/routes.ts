import { Hono } from 'hono'
import { PortcullisError } from '../../errors.js'
import { clearCookie, SESSION_COOKIE } from '../../http/cookies.js'
import type { AppEnv } from '../../http/env.js'
import type { HttpKit } from '../../http/kit.js'
import { sessionJson } from '../../http/sign-in-response.js'
import { toUser } from '../accounts/index.js'
import type { SessionService } from './service.js'

export function sessionRoutes(sessions: SessionService, kit: HttpKit) {
  const app = new Hono<AppEnv>()

  app.get('/session', async (c) => {
    const { session, user } = await kit.sessions.requireForEnrollment(c)
    return c.json({ user: toUser(user, user.mfa_enabled), session: sessionJson(session) })
  })

  app.get('/sessions', async (c) => {
    const { session } = await kit.sessions.require(c)
    return c.json({ sessions: await sessions.list(session.userId, session.id) })
  })

  app.delete('/sessions/:id', async (c) => {
    const { session } = await kit.sessions.require(c)
    const id = c.req.param('id')
    if (!(await sessions.revoke(session.userId, id, session.id, c.get('context')))) throw new PortcullisError('not_found', 'No such session')
    if (id === session.id) clearCookie(c, kit.options, SESSION_COOKIE)
    return c.body(null, 204)
  })

  app.post('/logout', async (c) => {
    const resolved = await kit.sessions.current(c)
    if (resolved) await sessions.revoke(resolved.session.userId, resolved.session.id, resolved.session.id, c.get('context'), 'logout')
    clearCookie(c, kit.options, SESSION_COOKIE)
    return c.body(null, 204)
  })

  app.get('/csrf', async (c) => c.json({ csrfToken: await kit.csrf.issueToken(c) }))

  return app
}
