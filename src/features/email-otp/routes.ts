import { Hono } from 'hono'
import { parseBody } from '../../http/body.js'
import type { AppEnv } from '../../http/env.js'
import type { HttpKit } from '../../http/kit.js'
import { signInResponse } from '../../http/sign-in-response.js'
import type { AccountService } from '../accounts/index.js'
import type { MfaService } from '../mfa/index.js'
import { challengeBody, sendBody, verifyBody } from './schema.js'
import type { EmailOtpService } from './service.js'

export function emailOtpRoutes(emailOtp: EmailOtpService, mfa: MfaService, accounts: AccountService, kit: HttpKit) {
  const app = new Hono<AppEnv>()

  app.post('/otp/send', async (c) => {
    const body = await parseBody(c, sendBody)
    await emailOtp.send(body.email, c.get('context'))
    return c.body(null, 202)
  })

  app.post('/otp/verify', async (c) => {
    const body = await parseBody(c, verifyBody)
    const { userId } = await emailOtp.verify(body.email, body.code)
    const outcome = await mfa.afterFirstFactor(userId, 'email_otp', c.get('context'))
    return signInResponse(c, kit.options, await accounts.getUser(userId), outcome)
  })

  app.post('/mfa/challenge/email-otp', async (c) => {
    const body = await parseBody(c, challengeBody)
    await mfa.sendChallengeEmailCode(body.challenge, c.get('context'))
    return c.body(null, 202)
  })

  return app
}
