import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { Hono } from 'hono'
import { parseBody } from '../../http/body.js'
import type { AppEnv } from '../../http/env.js'
import type { HttpKit } from '../../http/kit.js'
import { signInResponse } from '../../http/sign-in-response.js'
import type { AccountService } from '../accounts/index.js'
import type { MfaService } from '../mfa/index.js'
import { authenticationBody, authenticationOptionsBody, registrationBody, removeBody } from './schema.js'
import type { WebauthnService } from './service.js'

export function webauthnRoutes(webauthn: WebauthnService, mfa: MfaService, accounts: AccountService, kit: HttpKit) {
  const app = new Hono<AppEnv>()

  app.post('/webauthn/register/options', async (c) => {
    const { session, user } = await kit.sessions.requireForEnrollment(c)
    await mfa.assertCanAddPasskey(session)
    return c.json(await webauthn.registrationOptions(user))
  })

  app.post('/webauthn/register/verify', async (c) => {
    const { session } = await kit.sessions.requireForEnrollment(c)
    const body = await parseBody(c, registrationBody)
    const response = body.response as unknown as RegistrationResponseJSON
    return c.json(
      await mfa.addPasskey(session.userId, c.get('context'), (also) => webauthn.register(session.userId, response, body.name, c.get('context'), also)),
    )
  })

  app.post('/webauthn/authenticate/options', async (c) => {
    const body = await parseBody(c, authenticationOptionsBody)
    if (body.stepUp) {
      // A step-up ceremony is bound to the signed-in user and to no challenge (POST /mfa/step-up).
      const { session } = await kit.sessions.require(c)
      return c.json(await webauthn.authenticationOptions({ challengeId: null, userId: session.userId }, c.get('context')))
    }
    const pending = body.challenge ? await mfa.pendingChallenge(body.challenge, 'webauthn') : null
    return c.json(await webauthn.authenticationOptions(pending, c.get('context')))
  })

  app.post('/webauthn/authenticate/verify', async (c) => {
    const body = await parseBody(c, authenticationBody)
    const response = body.response as unknown as AuthenticationResponseJSON
    if (body.challenge) {
      // The second factor of a pending challenge: the assertion goes through the challenge's tries and budget.
      const { outcome, device, redirectTo } = await mfa.completeChallenge(
        body.challenge,
        'webauthn',
        { assertion: body.response },
        body.trustDevice ?? false,
        c.get('context'),
      )
      return signInResponse(c, kit.options, await accounts.getUser(outcome.userId), outcome, 200, device, redirectTo)
    }
    const userId = await webauthn.verifyPasswordless(response)
    const outcome = await mfa.completePasskeySignIn(userId, c.get('context'))
    return signInResponse(c, kit.options, await accounts.getUser(userId), outcome)
  })

  app.get('/webauthn/credentials', async (c) => {
    const { session } = await kit.sessions.requireForEnrollment(c)
    return c.json({ credentials: await webauthn.list(session.userId) })
  })

  app.delete('/webauthn/credentials/:id', async (c) => {
    const { session } = await kit.sessions.require(c)
    const body = await parseBody(c, removeBody)
    await mfa.removePasskey(session, c.req.param('id'), body.code, c.get('context'))
    return c.body(null, 204)
  })

  return app
}
