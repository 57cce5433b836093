import type { Context } from 'hono'
import { html } from 'hono/html'
import { z } from 'zod'
import { PortcullisError } from '../errors.js'
import { signInBody } from '../features/accounts/index.js'
import { completeMagicLink, linkConfirmPage } from '../features/magic-link/index.js'
import type { SignInOutcome } from '../features/mfa/index.js'
import { formBoolean, isFormPost, parseBody, parseQuery } from '../http/body.js'
import type { AppEnv } from '../http/env.js'
import { simplePage } from '../http/pages.js'
import { wantsTokenFlow } from '../http/session.js'
import { trustedDeviceToken } from '../http/sign-in-response.js'
import { publicPage } from '../mail/links.js'
import { type CompatServices, type Profile, route, sessionAnswer } from './profile.js'

// goauth "OTP & verification" (shared/seeds/001_…): email link, email code, credentials then MFA.

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }))
const csrfField = z.string().max(256).optional()
const requestBody = z.object({ email, csrfToken: csrfField })
const linkBody = z.object({ email: z.string().max(254), token: z.string().min(1).max(256) })
const anyCode = z.string().trim().min(1).max(64)
/** "Accepted field names for code: code, otp, or token." */
const otpBody = z
  .object({ email: z.string().max(254), code: anyCode.optional(), otp: anyCode.optional(), token: anyCode.optional() })
  .refine((body) => (body.code ?? body.otp ?? body.token) !== undefined, { message: 'code is required', path: ['code'] })
const credentialsBody = signInBody
const verifyBody = z
  .object({
    challenge: z.string().min(1).max(256),
    code: anyCode.optional(),
    otp: anyCode.optional(),
    trustDevice: formBoolean.optional(),
    trust_device: formBoolean.optional(),
  })
  .refine((body) => (body.code ?? body.otp) !== undefined, { message: 'code is required', path: ['code'] })

export const goauth: Profile = {
  name: 'goauth',
  routes: (s: CompatServices, mount: string) => {
    const { kit } = s

    // goauth's CSRF table: /signin/* needs the token (or a same-origin Origin) unless the client
    // asked for the token flow, which sets no cookie a forged form could ride on.
    const assertSignInProof = async (c: Context<AppEnv>, field: string | undefined) => {
      if (wantsTokenFlow(c) || (await kit.csrf.hasProof(c, field))) return
      throw new PortcullisError('csrf_failed', 'Send the token of GET /csrf as X-CSRF-Token or the csrfToken field, or a same-origin Origin')
    }
    // A browser's form goes on to the check-your-email page; an API client (JSON, or the token flow) gets 202.
    const mailed = (c: Context) => (isFormPost(c) && !wantsTokenFlow(c) ? c.redirect(`${mount}/verify-request`, 303) : c.body(null, 202))

    const signInAnswer = async (c: Context<AppEnv>, outcome: SignInOutcome) => {
      if (outcome.kind === 'challenge') return c.json({ challenge: outcome.challenge, expiresIn: outcome.expiresIn, methods: outcome.methods })
      return sessionAnswer(c, s, outcome, { user: await s.accounts.getUser(outcome.userId) })
    }

    return [
      route('GET', '/csrf', async (c) => c.json({ csrfToken: await kit.csrf.issueToken(c) })),
      route('POST', '/signin/email', async (c) => {
        const body = await parseBody(c, requestBody)
        await assertSignInProof(c, body.csrfToken)
        const link = (token: string, to: string) =>
          publicPage(s.kit.options.publicUrl, `${mount}/callback/email?${new URLSearchParams({ email: to, token }).toString()}`)
        await s.magicLinks.send(body.email, undefined, c.get('context'), link)
        return mailed(c)
      }),
      // The document's GET consumes the link; mail scanners fetch links, so here it only shows a
      // button that posts the same fields back.
      route('GET', '/callback/email', (c) => {
        const query = parseQuery(c, linkBody)
        return linkConfirmPage(c, `${mount}/callback/email`, { email: query.email, token: query.token })
      }),
      route('POST', '/callback/email', async (c) => {
        const body = await parseBody(c, linkBody)
        return completeMagicLink(c, s, body.token, body.email)
      }),
      route('POST', '/signin/otp', async (c) => {
        const body = await parseBody(c, requestBody)
        await assertSignInProof(c, body.csrfToken)
        await s.emailOtp.send(body.email, c.get('context'))
        return mailed(c)
      }),
      route('POST', '/callback/otp', async (c) => {
        const body = await parseBody(c, otpBody)
        const { userId } = await s.emailOtp.verify(body.email, (body.code ?? body.otp ?? body.token) as string)
        return signInAnswer(c, await s.mfa.afterFirstFactor(userId, 'email_otp', c.get('context')))
      }),
      route('POST', '/callback/credentials', async (c) => {
        const body = await parseBody(c, credentialsBody)
        const { outcome } = await s.accounts.signIn(body.email, body.password, c.get('context'), trustedDeviceToken(c, kit.options))
        // goauth mails the MFA code after the password; here only when email is the one way to finish.
        if (outcome.kind === 'challenge' && outcome.methods.every((method) => method === 'email_otp')) {
          await s.mfa.sendChallengeEmailCode(outcome.challenge, c.get('context'))
        }
        return signInAnswer(c, outcome)
      }),
      route('POST', '/mfa/verify', async (c) => {
        const body = await parseBody(c, verifyBody)
        const trust = body.trustDevice ?? body.trust_device ?? false
        const { outcome, device } = await s.mfa.completeChallengeWithCode(body.challenge, (body.code ?? body.otp) as string, trust, c.get('context'))
        const user = await s.accounts.getUser(outcome.userId)
        return sessionAnswer(c, s, outcome as Extract<SignInOutcome, { kind: 'session' }>, { user }, { device })
      }),
      route('GET', '/verify-request', (c) =>
        simplePage(c, 'Check your email', html`<p>A sign-in link or code is on its way to your inbox. You can close this page.</p>`),
      ),
    ]
  },
}
