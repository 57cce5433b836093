import { z } from 'zod'
import { signInBody } from '../features/accounts/index.js'
import { parseBody } from '../http/body.js'
import { trustedDeviceToken } from '../http/sign-in-response.js'
import { type CompatServices, completeChallenge, type Profile, route, sessionAnswer } from './profile.js'

// The Node auth router's "TOTP 2FA Recipe" (shared/seeds/004_…): setup, verify-setup, tempToken sign-in.

const code = z.string().trim().min(1, 'is required').max(64)
const verifySetupBody = z.object({ token: code, secret: z.string().trim().min(1).max(128) })
const verifyBody = z.object({ tempToken: z.string().min(1).max(256), totpCode: code })

export const authRouter: Profile = {
  name: 'auth-router',
  routes: (s: CompatServices) => {
    const { kit, mfa } = s
    return [
      route('POST', '/login', async (c) => {
        const body = await parseBody(c, signInBody)
        const { user, outcome } = await s.accounts.signIn(body.email, body.password, c.get('context'), trustedDeviceToken(c, kit.options))
        if (outcome.kind === 'session') return sessionAnswer(c, s, outcome, { user })
        return c.json({ requiresTwoFactor: true, tempToken: outcome.challenge, available2faMethods: outcome.methods })
      }),
      route('POST', '/2fa/setup', async (c) => {
        const { user } = await kit.sessions.requireForEnrollment(c)
        const enrollment = await s.totp.enroll(user.id, user.email)
        return c.json({ secret: enrollment.secret, otpauthUrl: enrollment.otpauthUri, qrCode: enrollment.qrCode })
      }),
      // `token` is the code and `secret` names the enrolment: it must be the pending one's.
      route('POST', '/2fa/verify-setup', async (c) => {
        const { session } = await kit.sessions.requireForEnrollment(c)
        const body = await parseBody(c, verifySetupBody)
        const { recoveryCodes } = await mfa.confirmPendingTotp(session.userId, body.token, c.get('context'), body.secret)
        return c.json({ enabled: true, recoveryCodes: recoveryCodes ?? [] })
      }),
      route('POST', '/2fa/verify', async (c) => {
        const body = await parseBody(c, verifyBody)
        const { outcome, user } = await completeChallenge(c, s, body.tempToken, 'totp', body.totpCode)
        return sessionAnswer(c, s, outcome, { user })
      }),
      route('POST', '/2fa/disable', async (c) => {
        const { session } = await kit.sessions.require(c)
        await mfa.disableTotp(session, (await parseBody(c, z.object({ code: code.optional() }))).code, c.get('context'))
        return c.json({ enabled: false })
      }),
    ]
  },
}
