import { Hono } from 'hono'
import { parseBody } from '../../http/body.js'
import type { AppEnv } from '../../http/env.js'
import type { HttpKit } from '../../http/kit.js'
import { signInResponse, trustedDeviceToken } from '../../http/sign-in-response.js'
import type { EmailLinkService } from './email-links.js'
import {
  changePasswordBody,
  completeSignUpBody,
  deleteAccountBody,
  forgotPasswordBody,
  resetPasswordBody,
  signInBody,
  signUpBody,
  signUpEmailBody,
  verifyEmailBody,
} from './schema.js'
import type { AccountService } from './service.js'

export function accountRoutes(accounts: AccountService, emailLinks: EmailLinkService, kit: HttpKit) {
  const app = new Hono<AppEnv>()

  app.post('/signup', async (c) => {
    const body = await parseBody(c, accounts.signUpMode() === 'verify_first' ? signUpEmailBody : signUpBody)
    const result = await accounts.signUp(body, c.get('context'))
    if (result.kind === 'mailed') return c.body(null, 202)
    return signInResponse(c, kit.options, result.user, result.outcome, 201)
  })

  app.post('/signup/complete', async (c) => {
    const body = await parseBody(c, completeSignUpBody)
    const { user, outcome } = await accounts.completeSignUp(body, c.get('context'))
    return signInResponse(c, kit.options, user, outcome, 201)
  })

  app.delete('/account', async (c) => {
    const { session } = await kit.sessions.requireForEnrollment(c)
    const body = await parseBody(c, deleteAccountBody)
    await accounts.deleteOwnAccount(session, body, c.get('context'))
    return c.body(null, 204)
  })

  app.post('/login', async (c) => {
    const body = await parseBody(c, signInBody)
    const { user, outcome } = await accounts.signIn(body.email, body.password, c.get('context'), trustedDeviceToken(c, kit.options))
    return signInResponse(c, kit.options, user, outcome)
  })

  app.post('/password/change', async (c) => {
    const { session } = await kit.sessions.require(c)
    const body = await parseBody(c, changePasswordBody)
    await accounts.changePassword(session, body, c.get('context'))
    return c.body(null, 204)
  })

  app.get('/password/policy', (c) => c.json(accounts.policy()))

  app.post('/password/forgot', async (c) => {
    const body = await parseBody(c, forgotPasswordBody)
    await emailLinks.forgotPassword(body.email)
    return c.body(null, 202)
  })

  app.post('/password/reset', async (c) => {
    const body = await parseBody(c, resetPasswordBody)
    await emailLinks.resetPassword(body.token, body.newPassword, c.get('context'))
    return c.body(null, 204)
  })

  app.post('/email/verify/send', async (c) => {
    const { session } = await kit.sessions.requireForEnrollment(c)
    await emailLinks.sendVerification(session.userId)
    return c.body(null, 202)
  })

  app.post('/email/verify', async (c) => {
    const body = await parseBody(c, verifyEmailBody)
    await emailLinks.verifyEmail(body.token)
    return c.body(null, 204)
  })

  return app
}
