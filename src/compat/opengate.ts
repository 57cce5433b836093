import { z } from 'zod'
import { adminGuard } from '../features/admin/index.js'
import { parseBody } from '../http/body.js'
import { type CompatServices, type Profile, route, sessionAnswer } from './profile.js'

// OpenGate "MFA API" (shared/seeds/003_…): bearer sessions, TOTP, email OTP, backup codes, admin reset.

const code = z.string().trim().min(1, 'is required').max(64)
const confirmBody = z.object({ enrollmentId: z.string().min(1).max(64), code })
const verifyBody = z.object({ userId: z.string().min(1).max(64), code, mfaToken: z.string().min(1).max(256) })
const stepUpBody = z.object({ code: code.optional() })

export const opengate: Profile = {
  name: 'opengate',
  routes: (s: CompatServices) => {
    const { kit, mfa } = s
    const requireAdmin = adminGuard(kit.options.adminToken)
    return [
      route('POST', '/mfa/totp/enroll', async (c) => {
        const { user } = await kit.sessions.requireForEnrollment(c)
        const enrollment = await s.totp.enroll(user.id, user.email)
        return c.json({ secret: enrollment.secret, qrCodeUri: enrollment.otpauthUri, enrollmentId: enrollment.enrollmentId })
      }),
      route('POST', '/mfa/totp/confirm', async (c) => {
        const { session } = await kit.sessions.requireForEnrollment(c)
        const body = await parseBody(c, confirmBody)
        return c.json(await mfa.confirmTotp(session.userId, body.enrollmentId, body.code, c.get('context')))
      }),
      // `mfaToken` is a native challenge; naming another user than its own is refused before any code is compared.
      route('POST', '/mfa/totp/verify', async (c) => {
        const body = await parseBody(c, verifyBody)
        const { outcome } = await mfa.completeUserChallenge(body.userId, body.mfaToken, 'totp', body.code, c.get('context'))
        return sessionAnswer(c, s, outcome as Parameters<typeof sessionAnswer>[2], { verified: true }, { bearer: true })
      }),
      route('POST', '/mfa/email-otp/send', async (c) => {
        const { session } = await kit.sessions.require(c)
        await s.emailOtp.sendToUser(session.userId, c.get('context'))
        return c.body(null, 202)
      }),
      route('POST', '/mfa/email-otp/verify', async (c) => {
        const { session } = await kit.sessions.require(c)
        await s.emailOtp.verifyForUser(session.userId, (await parseBody(c, z.object({ code }))).code)
        return c.json({ verified: true })
      }),
      route('POST', '/mfa/backup-codes/generate', async (c) => {
        const { session } = await kit.sessions.require(c)
        return c.json({ codes: await mfa.regenerateRecoveryCodes(session, (await parseBody(c, stepUpBody)).code, c.get('context')) })
      }),
      route('DELETE', '/mfa/totp', async (c) => {
        const { session } = await kit.sessions.require(c)
        await mfa.disableTotp(session, (await parseBody(c, stepUpBody)).code, c.get('context'))
        return c.body(null, 204)
      }),
      route('DELETE', '/admin/users/:userId/mfa', async (c) => {
        await requireAdmin(c, async () => {})
        await s.admin.resetMfa(c.req.param('userId') as string, c.get('context'))
        return c.body(null, 204)
      }),
    ]
  },
}
