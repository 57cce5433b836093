import { Hono } from 'hono'
import { PortcullisError } from '../../errors.js'
import { isFormPost, parseBody, parseQuery } from '../../http/body.js'
import type { AppEnv } from '../../http/env.js'
import type { HttpKit } from '../../http/kit.js'
import { signInResponse } from '../../http/sign-in-response.js'
import type { AccountService } from '../accounts/index.js'
import type { TotpService } from '../totp/index.js'
import { factorInputOf } from './factor.js'
import { challengeQuery, confirmTotpBody, stepUpBody, stepUpRequestBody, verifyBody } from './schema.js'
import type { MfaService } from './service.js'

export function mfaRoutes(mfa: MfaService, totp: TotpService, accounts: AccountService, kit: HttpKit) {
  const app = new Hono<AppEnv>()

  app.get('/mfa', async (c) => {
    const { session } = await kit.sessions.requireForEnrollment(c)
    return c.json(await mfa.overview(session.userId))
  })

  app.post('/mfa/totp/enroll', async (c) => {
    const { user } = await kit.sessions.requireForEnrollment(c)
    return c.json(await totp.enroll(user.id, user.email))
  })

  app.post('/mfa/totp/confirm', async (c) => {
    const { session } = await kit.sessions.requireForEnrollment(c)
    const body = await parseBody(c, confirmTotpBody)
    return c.json(await mfa.confirmTotp(session.userId, body.enrollmentId, body.code, c.get('context')))
  })

  app.post('/mfa/totp/disable', async (c) => {
    const { session } = await kit.sessions.require(c)
    const body = await parseBody(c, stepUpBody)
    await mfa.disableTotp(session, body.code, c.get('context'))
    return c.body(null, 204)
  })

  app.post('/mfa/recovery/generate', async (c) => {
    const { session } = await kit.sessions.require(c)
    const body = await parseBody(c, stepUpBody)
    return c.json({ codes: await mfa.regenerateRecoveryCodes(session, body.code, c.get('context')) })
  })

  app.post('/mfa/step-up', async (c) => {
    const { session } = await kit.sessions.require(c)
    const body = await parseBody(c, stepUpRequestBody)
    const input = body.method === 'webauthn' ? { method: body.method, assertion: body.response } : body
    await mfa.stepUp(session, input, c.get('context'))
    return c.body(null, 204)
  })

  app.post('/mfa/verify', async (c) => {
    const body = await parseBody(c, verifyBody)
    const { outcome, device, redirectTo } = await mfa.completeChallenge(
      body.challenge,
      body.method,
      factorInputOf(body.method, body.code),
      body.trustDevice ?? false,
      c.get('context'),
    )
    const response = signInResponse(c, kit.options, await accounts.getUser(outcome.userId), outcome, 200, device, redirectTo)
    // A browser's form post after a magic link goes on to where the link was meant to lead.
    return redirectTo && isFormPost(c) ? c.redirect(redirectTo, 303) : response
  })

  app.get('/mfa/challenge/status', async (c) => {
    const query = parseQuery(c, challengeQuery)
    return c.json(await mfa.challengeStatus(query.challenge))
  })

  app.get('/mfa/trusted-devices', async (c) => {
    const { session } = await kit.sessions.require(c)
    return c.json({ devices: await mfa.trustedDevices.list(session.userId) })
  })

  app.delete('/mfa/trusted-devices/:id', async (c) => {
    const { session } = await kit.sessions.require(c)
    if (!(await mfa.trustedDevices.revoke(session.userId, c.req.param('id'), c.get('context')))) {
      throw new PortcullisError('not_found', 'No such trusted device')
    }
    return c.body(null, 204)
  })

  return app
}
