import type { Context } from 'hono'
import { z } from 'zod'
import { completeMagicLink, linkConfirmPage } from '../features/magic-link/index.js'
import { parseBody, parseQuery } from '../http/body.js'
import type { AppEnv } from '../http/env.js'
import { signInResponse } from '../http/sign-in-response.js'
import { type CompatServices, completeChallenge, type Profile, route } from './profile.js'

// togo auth-mfa (shared/seeds/000_…): the endpoint table under /api/auth/mfa.

const code = z.string().trim().min(1, 'is required').max(64)
const challenge = z.string().min(1).max(256)
const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }))
const codeBody = z.object({ code, challenge: challenge.optional() })
const challengeCode = z.object({ challenge, code })
const stepUpBody = z.object({ code: code.optional() })
const oneOf = <T extends { email?: unknown; challenge?: unknown }>(body: T) => (body.email === undefined) !== (body.challenge === undefined)
const otpSendBody = z.object({ email: email.optional(), challenge: challenge.optional() }).refine(oneOf, 'send either email or challenge')
const otpVerifyBody = z.object({ email: z.string().max(254).optional(), challenge: challenge.optional(), code }).refine(oneOf, 'send either email or challenge')
const linkSendBody = z.object({ email, redirectTo: z.string().max(2048).optional() })
const tokenBody = z.object({ token: z.string().min(1).max(256) })

export const togo: Profile = {
  name: 'togo',
  routes: (s: CompatServices, mount: string) => {
    const { kit, mfa } = s
    const challengeAnswer = async (c: Context<AppEnv>, token: string, method: 'totp' | 'recovery_code' | 'email_otp', typed: string) => {
      const { outcome, user } = await completeChallenge(c, s, token, method, typed)
      return signInResponse(c, kit.options, user, outcome)
    }
    return [
      route(
        'POST',
        '/totp/enroll',
        async (c) => {
          const { user } = await kit.sessions.requireForEnrollment(c)
          const enrollment = await s.totp.enroll(user.id, user.email)
          return c.json({ ...enrollment, uri: enrollment.otpauthUri })
        },
        '/mfa/totp/enroll',
      ),
      // One path, two meanings in the document: with a challenge it finishes a sign-in, without
      // one it activates the signed-in user's pending enrolment ("activates on first success").
      route('POST', '/totp/verify', async (c) => {
        const body = await parseBody(c, codeBody)
        if (body.challenge !== undefined) return challengeAnswer(c, body.challenge, 'totp', body.code)
        const { session } = await kit.sessions.requireForEnrollment(c)
        return c.json({ activated: true, ...(await mfa.confirmPendingTotp(session.userId, body.code, c.get('context'))) })
      }),
      route(
        'POST',
        '/totp/disable',
        async (c) => {
          const { session } = await kit.sessions.require(c)
          await mfa.disableTotp(session, (await parseBody(c, stepUpBody)).code, c.get('context'))
          return c.body(null, 204)
        },
        '/mfa/totp/disable',
      ),
      route(
        'POST',
        '/recovery/generate',
        async (c) => {
          const { session } = await kit.sessions.require(c)
          return c.json({ codes: await mfa.regenerateRecoveryCodes(session, (await parseBody(c, stepUpBody)).code, c.get('context')) })
        },
        '/mfa/recovery/generate',
      ),
      route('POST', '/recovery/verify', async (c) => {
        const body = await parseBody(c, challengeCode)
        return challengeAnswer(c, body.challenge, 'recovery_code', body.code)
      }),
      route('POST', '/otp/send', async (c) => {
        const body = await parseBody(c, otpSendBody)
        if (body.challenge !== undefined) await mfa.sendChallengeEmailCode(body.challenge, c.get('context'))
        else await s.emailOtp.send(body.email as string, c.get('context'))
        return c.body(null, 202)
      }),
      route('POST', '/otp/verify', async (c) => {
        const body = await parseBody(c, otpVerifyBody)
        if (body.challenge !== undefined) return challengeAnswer(c, body.challenge, 'email_otp', body.code)
        const { userId } = await s.emailOtp.verify(body.email as string, body.code)
        const outcome = await mfa.afterFirstFactor(userId, 'email_otp', c.get('context'))
        return signInResponse(c, kit.options, await s.accounts.getUser(userId), outcome)
      }),
      route('POST', '/magic-link/send', async (c) => {
        const body = await parseBody(c, linkSendBody)
        await s.magicLinks.send(body.email, body.redirectTo, c.get('context'))
        return c.body(null, 202)
      }),
      // The document's GET logs in; here it shows the native confirm page, whose button posts.
      route('GET', '/magic-link/verify', (c) => linkConfirmPage(c, `${mount}/magic-link/verify`, parseQuery(c, tokenBody))),
      route('POST', '/magic-link/verify', async (c) => completeMagicLink(c, s, (await parseBody(c, tokenBody)).token)),
      route(
        'GET',
        '/challenge/status',
        async (c) => c.json(await mfa.challengeStatus(parseQuery(c, z.object({ challenge })).challenge)),
        '/mfa/challenge/status',
      ),
    ]
  },
}
