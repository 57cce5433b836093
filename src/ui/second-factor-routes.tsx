import { Hono } from 'hono'
import { PortcullisError } from '../errors.js'
import { factorInputOf, MAX_CHALLENGE_ATTEMPTS, type MfaMethod } from '../features/mfa/index.js'
import { verifyBody } from '../features/mfa/schema.js'
import { parseBody } from '../http/body.js'
import type { FieldErrors } from './components.js'
import { formValues, type UiContext, type UiEnv, type UiKit } from './kit.js'
import { explain } from './messages.js'
import { VerifyPage } from './pages/verify.js'

/** The second-factor step of a sign-in: `/login/verify?challenge=…`, where every first factor with MFA leads. */
export function secondFactorRoutes(ui: UiKit) {
  const app = new Hono<UiEnv>()
  const { api } = ui
  const placement = { code: 'code' }

  const verifyPage = async (
    c: UiContext,
    challenge: string,
    method: string | undefined,
    emailSent: 'now' | 'before' | 'no',
    errors: FieldErrors = {},
    error?: unknown,
  ) => {
    const status = await api.mfa.challengeStatus(challenge)
    if (status.state !== 'pending') return ui.redirect(c, `/login?notice=${status.state === 'locked' ? 'challenge_locked' : 'challenge_expired'}`)
    const chosen = status.methods.find((candidate) => candidate === method) ?? status.methods[0] ?? 'totp'
    const page = (
      <VerifyPage
        issuer={ui.options.totpIssuer}
        api={ui.options.basePath}
        challenge={challenge}
        methods={status.methods}
        method={chosen as MfaMethod}
        attemptsRemaining={status.attemptsRemaining}
        maxAttempts={MAX_CHALLENGE_ATTEMPTS}
        emailSent={emailSent}
        trustDays={ui.options.trustDeviceDays}
        errors={errors}
        next={ui.signInReturn(c) ?? undefined}
      />
    )
    return ui.render(c, 'Two-step verification', page, { status: error ? ui.statusOf(error) : 200 })
  }

  // A tampered, unknown, expired or finished challenge sends the person back to the start.
  const restart = (c: UiContext, error: unknown) => {
    if (error instanceof PortcullisError && error.code === 'challenge_invalid') return ui.redirect(c, '/login?notice=challenge_expired')
    throw error
  }

  app.get('/login/verify', async (c) => {
    const challenge = c.req.query('challenge')?.slice(0, 256)
    if (!challenge) return ui.redirect(c, '/login')
    return verifyPage(c, challenge, c.req.query('method'), c.req.query('sent') === '1' ? 'now' : 'no').catch((error) => restart(c, error))
  })

  app.post('/login/verify', async (c) => {
    const form = await formValues(c)
    try {
      const body = await parseBody(c, verifyBody)
      const { outcome, device, redirectTo } = await api.mfa.completeChallenge(
        body.challenge,
        body.method,
        factorInputOf(body.method, body.code),
        body.trustDevice ?? false,
        ui.context(c),
      )
      return ui.continueSignIn(c, outcome, device, redirectTo ?? undefined)
    } catch (error) {
      const errors = explain(error, placement)
      if (!errors || !form.challenge) return restart(c, error)
      return verifyPage(c, form.challenge, form.method, form.method === 'email_otp' ? 'before' : 'no', errors, error).catch((again) => restart(c, again))
    }
  })

  app.post('/login/verify/email', async (c) => {
    const form = await formValues(c)
    const challenge = form.challenge ?? ''
    try {
      await api.mfa.sendChallengeEmailCode(challenge, ui.context(c))
      return ui.redirect(c, `/login/verify?challenge=${encodeURIComponent(challenge)}&method=email_otp&sent=1`)
    } catch (error) {
      const errors = explain(error, placement)
      if (!errors) return restart(c, error)
      return verifyPage(c, challenge, 'email_otp', 'no', errors, error).catch((again) => restart(c, again))
    }
  })

  return app
}
