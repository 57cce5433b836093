import type { Context } from 'hono'
import { z } from 'zod'
import { PortcullisError } from '../errors.js'
import { signInBody } from '../features/accounts/index.js'
import { parseBody } from '../http/body.js'
import { clearCookie, readCookie, writeCookie } from '../http/cookies.js'
import type { AppEnv } from '../http/env.js'
import { trustedDeviceToken } from '../http/sign-in-response.js'
import { type CompatServices, completeChallenge, type Profile, route, sessionAnswer } from './profile.js'

// Thogits "Two-Factor (TOTP)" (shared/seeds/002_…): setup, confirm, verify after needs_2fa, disable.

/** The document's "partial session": the native challenge token, in a cookie of its own. It is never a session. */
export const CHALLENGE_COOKIE = 'portcullis_challenge'

const codeBody = z.object({ code: z.string().trim().min(1, 'is required').max(64) })
const optionalCode = z.object({ code: z.string().trim().min(1).max(64).optional() })

export const thogits: Profile = {
  name: 'thogits',
  routes: (s: CompatServices) => {
    const { kit, mfa } = s
    const userInfo = async (c: Context<AppEnv>, outcome: Parameters<typeof sessionAnswer>[2]) =>
      sessionAnswer(c, s, outcome, { ...(await s.accounts.getUser(outcome.userId)) })

    return [
      route('POST', '/login', async (c) => {
        const body = await parseBody(c, signInBody)
        const { outcome } = await s.accounts.signIn(body.email, body.password, c.get('context'), trustedDeviceToken(c, kit.options))
        if (outcome.kind === 'session') return userInfo(c, outcome)
        writeCookie(c, kit.options, CHALLENGE_COOKIE, outcome.challenge, outcome.expiresIn)
        return c.json({ needs_2fa: true })
      }),
      route('POST', '/2fa/totp/setup', async (c) => {
        const { user } = await kit.sessions.requireForEnrollment(c)
        const enrollment = await s.totp.enroll(user.id, user.email)
        return c.json({ secret: enrollment.secret, qr_code: enrollment.qrCode })
      }),
      route('POST', '/2fa/totp/confirm', async (c) => {
        const { session } = await kit.sessions.requireForEnrollment(c)
        const body = await parseBody(c, codeBody)
        const { recoveryCodes } = await mfa.confirmPendingTotp(session.userId, body.code, c.get('context'))
        // Recovery codes are shown once, so the first factor's set rides along with the document's answer.
        return c.json({ message: 'TOTP confirmed', ...(recoveryCodes ? { recovery_codes: recoveryCodes } : {}) })
      }),
      route('POST', '/2fa/totp/verify', async (c) => {
        const challenge = readCookie(c, kit.options, CHALLENGE_COOKIE)
        if (!challenge) throw new PortcullisError('unauthorized', 'No sign-in in progress: POST /login first')
        const body = await parseBody(c, codeBody)
        const { outcome } = await completeChallenge(c, s, challenge, 'totp', body.code)
        clearCookie(c, kit.options, CHALLENGE_COOKIE)
        return userInfo(c, outcome)
      }),
      route('POST', '/2fa/totp/disable', async (c) => {
        const { session } = await kit.sessions.require(c)
        const body = await parseBody(c, optionalCode)
        // "Not required if setup was started but never confirmed": only a pending setup goes without a code.
        if (await s.totp.isEnrolled(session.userId)) await mfa.disableTotp(session, body.code, c.get('context'))
        else if (!(await mfa.cancelTotpSetup(session.userId))) throw new PortcullisError('not_found', 'No authenticator app is set up')
        return c.json({ message: 'TOTP disabled' })
      }),
    ]
  },
}
