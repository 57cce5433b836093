import { Hono } from 'hono'
import { PortcullisError } from '../errors.js'
import { changePasswordBody } from '../features/accounts/schema.js'
import { confirmTotpBody, stepUpBody } from '../features/mfa/schema.js'
import type { ResolvedSession } from '../features/sessions/index.js'
import { parseBody } from '../http/body.js'
import { clearCookie, SESSION_COOKIE } from '../http/cookies.js'
import { formValues, HOME, type UiContext, type UiEnv, type UiKit } from './kit.js'
import { explain } from './messages.js'
import { RecoveryCodesPage } from './pages/recovery-codes.js'
import { type SectionErrors, SecurityPage, type SecurityProps } from './pages/security.js'
import { TotpSetupPage } from './pages/totp-setup.js'

const NOTICES: Record<string, SecurityProps['notice']> = {
  welcome: { kind: 'ok', text: 'Your account is ready. Turn on two-step verification below to protect it.' },
  enroll_first: { kind: 'info', text: 'Set up an authenticator app before anything else.' },
  totp_on: { kind: 'ok', text: 'Two-step verification is on.' },
  totp_off: { kind: 'ok', text: 'Two-step verification is off. Your recovery codes and trusted devices were removed.' },
  totp_removed: { kind: 'ok', text: 'The authenticator app was removed. Your passkeys still protect your account.' },
  passkey_added: { kind: 'ok', text: 'Your passkey was added. You can sign in with it, or use it as your second step.' },
  passkey_deleted: { kind: 'ok', text: 'That passkey was deleted.' },
  stepped_up: { kind: 'ok', text: 'Confirmed. For the next 10 minutes, changes here need no further code.' },
  enrollment_expired: { kind: 'error', text: 'That setup expired. Start again: you will get a new QR code.' },
  already_on: { kind: 'info', text: 'An authenticator app is already set up.' },
  device_forgotten: { kind: 'ok', text: 'That device will be asked for a code at its next sign-in.' },
  session_ended: { kind: 'ok', text: 'That device was signed out.' },
  password_changed: { kind: 'ok', text: 'Your password was changed. Other devices were signed out.' },
  verification_sent: { kind: 'ok', text: 'We sent you a confirmation link. It works for 24 hours.' },
  gone: { kind: 'info', text: 'That was already gone.' },
}

export function accountRoutes(ui: UiKit) {
  const app = new Hono<UiEnv>()
  const { api } = ui
  const policy = api.passwords.policy()

  async function securityPage(c: UiContext, resolved: ResolvedSession, failed?: SectionErrors, error?: unknown) {
    const { session } = resolved
    const userId = session.userId
    const overview = await api.mfa.overview(userId)
    const mustEnroll = await api.mfa.mustEnroll(userId)
    const notice = c.req.query('notice') ?? ''
    const props: SecurityProps = {
      user: await api.accounts.getUser(userId),
      overview,
      mustEnroll,
      stepUpNeeded: overview.enabled && !api.mfa.hasFreshMfa(session),
      passkeys: await api.webauthn.list(userId),
      api: ui.options.basePath,
      devices: await api.mfa.trustedDevices.list(userId),
      sessions: await api.sessions.list(userId, session.id),
      minLength: policy.minLength,
      // Under MFA_POLICY=required the page's own banner already says what comes first.
      notice: mustEnroll && (notice === 'welcome' || notice === 'enroll_first') ? undefined : Object.hasOwn(NOTICES, notice) ? NOTICES[notice] : undefined,
      failed,
    }
    return ui.render(c, 'Account security', <SecurityPage {...props} />, { wide: true, status: error ? ui.statusOf(error) : 200 })
  }

  /** Runs a sensitive action; its expected errors are shown inside its own section of the page. */
  async function act(c: UiContext, section: SectionErrors['section'], purpose: 'enrollment' | 'any', action: (resolved: ResolvedSession) => Promise<Response>) {
    const resolved = await ui.requireSession(c, purpose)
    try {
      return await action(resolved)
    } catch (error) {
      const errors = explain(error, {
        code: 'code',
        credentials: 'currentPassword',
        password: 'newPassword',
        minLength: policy.minLength,
        maxLength: policy.maxLength,
      })
      if (!errors) throw error
      return securityPage(c, resolved, { section, errors }, error)
    }
  }

  app.get('/account', (c) => ui.redirect(c, HOME))

  app.get('/account/security', async (c) => securityPage(c, await ui.requireSession(c, 'enrollment')))

  app.post('/account/totp/enroll', (c) =>
    act(c, 'totp', 'enrollment', async ({ session }) => {
      const enrollment = await api.mfa.enrollTotp(session.userId)
      return ui.redirect(c, `/account/totp?enrollment=${encodeURIComponent(enrollment.enrollmentId)}`)
    }),
  )

  const setupPage = async (c: UiContext, userId: string, enrollmentId: string, error?: unknown) => {
    const enrollment = await api.mfa.showTotpEnrollment(userId, enrollmentId)
    if (!enrollment) return ui.redirect(c, `${HOME}?notice=enrollment_expired`)
    const errors = error ? (explain(error, { code: 'code' }) ?? undefined) : undefined
    return ui.render(c, 'Set up your authenticator app', <TotpSetupPage enrollment={enrollment} errors={errors} />, {
      status: error ? ui.statusOf(error) : 200,
    })
  }

  app.get('/account/totp', async (c) => {
    const { session } = await ui.requireSession(c, 'enrollment')
    const enrollmentId = c.req.query('enrollment')?.slice(0, 64)
    return enrollmentId ? setupPage(c, session.userId, enrollmentId) : ui.redirect(c, HOME)
  })

  app.post('/account/totp/confirm', async (c) => {
    const { session, user } = await ui.requireSession(c, 'enrollment')
    const form = await formValues(c)
    try {
      const body = await parseBody(c, confirmTotpBody)
      const { recoveryCodes } = await api.mfa.confirmTotp(session.userId, body.enrollmentId, body.code, ui.context(c))
      if (!recoveryCodes) return ui.redirect(c, `${HOME}?notice=totp_on`)
      return codesPage(c, recoveryCodes, user.email, true)
    } catch (error) {
      if (error instanceof PortcullisError && error.code === 'conflict') return ui.redirect(c, `${HOME}?notice=already_on`)
      if (!explain(error) || !form.enrollmentId) throw error
      return setupPage(c, session.userId, form.enrollmentId, error)
    }
  })

  const codesPage = (c: UiContext, codes: string[], email: string, firstTime: boolean) => {
    const generatedAt = new Date().toISOString().slice(0, 10)
    const page = <RecoveryCodesPage codes={codes} email={email} product={ui.product} generatedAt={generatedAt} firstTime={firstTime} />
    return ui.render(c, 'Save your recovery codes', page, { script: true })
  }

  app.post('/account/totp/disable', (c) =>
    act(c, 'totp', 'any', async ({ session }) => {
      const body = await parseBody(c, stepUpBody)
      await api.mfa.disableTotp(session, body.code || undefined, ui.context(c))
      return ui.redirect(c, `${HOME}?notice=${(await api.mfa.isEnabled(session.userId)) ? 'totp_removed' : 'totp_off'}`)
    }),
  )

  app.post('/account/passkeys/:id/delete', (c) =>
    act(c, 'passkeys', 'any', async ({ session }) => {
      const body = await parseBody(c, stepUpBody)
      await api.mfa.removePasskey(session, c.req.param('id'), body.code || undefined, ui.context(c))
      return ui.redirect(c, `${HOME}?notice=passkey_deleted`)
    }),
  )

  app.post('/account/recovery-codes', (c) =>
    act(c, 'recovery', 'any', async ({ session, user }) => {
      const body = await parseBody(c, stepUpBody)
      const codes = await api.mfa.regenerateRecoveryCodes(session, body.code || undefined, ui.context(c))
      return codesPage(c, codes, user.email, false)
    }),
  )

  app.post('/account/devices/:id/revoke', (c) =>
    act(c, 'devices', 'any', async ({ session }) => {
      const removed = await api.mfa.trustedDevices.revoke(session.userId, c.req.param('id'), ui.context(c))
      return ui.redirect(c, `${HOME}?notice=${removed ? 'device_forgotten' : 'gone'}`)
    }),
  )

  app.post('/account/sessions/:id/revoke', (c) =>
    act(c, 'sessions', 'any', async ({ session }) => {
      const id = c.req.param('id')
      if (!(await api.sessions.revoke(session.userId, id, session.id, ui.context(c)))) return ui.redirect(c, `${HOME}?notice=gone`)
      if (id !== session.id) return ui.redirect(c, `${HOME}?notice=session_ended`)
      clearCookie(c, ui.options, SESSION_COOKIE)
      return ui.redirect(c, '/login?notice=signed_out')
    }),
  )

  app.post('/account/password', (c) =>
    act(c, 'password', 'any', async ({ session }) => {
      const body = await parseBody(c, changePasswordBody)
      await api.accounts.changePassword(session, { ...body, code: body.code?.trim() || undefined }, ui.context(c))
      return ui.redirect(c, `${HOME}?notice=password_changed`)
    }),
  )

  app.post('/account/email/verify', (c) =>
    act(c, 'email', 'enrollment', async ({ session }) => {
      await api.emailLinks.sendVerification(session.userId)
      return ui.redirect(c, `${HOME}?notice=verification_sent`)
    }),
  )

  return app
}
