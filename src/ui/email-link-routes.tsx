import { Hono } from 'hono'
import { PortcullisError } from '../errors.js'
import { forgotPasswordBody, resetPasswordBody, verifyEmailBody } from '../features/accounts/schema.js'
import { parseBody } from '../http/body.js'
import { formValues, HOME, type UiContext, type UiEnv, type UiKit } from './kit.js'
import { explain } from './messages.js'
import { ConfirmLinkPage, ForgotPasswordPage, ResetPasswordPage } from './pages/email-links.js'
import { MessagePage } from './pages/message.js'

const isInvalidLink = (error: unknown) => error instanceof PortcullisError && (error.code === 'invalid_code' || error.code === 'invalid_request')

/** The pages the mailed links open: password reset and email confirmation (PUBLIC_URL + these paths). */
export function emailLinkRoutes(ui: UiKit) {
  const app = new Hono<UiEnv>()
  const { api } = ui
  const policy = api.passwords.policy()

  const linkExpired = (c: UiContext, again: { href: string; label: string }) =>
    ui.render(
      c,
      'Link expired',
      <MessagePage title="This link no longer works">
        <p>The link is invalid, has expired or was already used.</p>
        <p>
          <a href={again.href}>{again.label}</a>
        </p>
      </MessagePage>,
      { status: 400 },
    )

  app.get('/password/forgot', (c) => ui.render(c, 'Reset your password', <ForgotPasswordPage />))

  app.post('/password/forgot', async (c) => {
    const form = await formValues(c)
    try {
      const body = await parseBody(c, forgotPasswordBody)
      await api.emailLinks.forgotPassword(body.email)
      return ui.redirect(c, `/password/forgot/sent?email=${encodeURIComponent(body.email.trim())}`)
    } catch (error) {
      const errors = explain(error, { email: 'email' })
      if (!errors) throw error
      return ui.render(c, 'Reset your password', <ForgotPasswordPage email={form.email} errors={errors} />, { status: ui.statusOf(error) })
    }
  })

  app.get('/password/forgot/sent', (c) => {
    const email = c.req.query('email')?.slice(0, 254) ?? 'your address'
    return ui.render(
      c,
      'Check your email',
      <MessagePage title="Check your email">
        <p>
          If an account exists for <strong>{email}</strong>, we sent it a link to choose a new password. It works once and expires in 30 minutes.
        </p>
        <p>
          <a href="/login">Back to sign-in</a>
        </p>
      </MessagePage>,
    )
  })

  app.get('/password/reset', (c) => {
    const token = c.req.query('token')?.slice(0, 256)
    if (!token) return linkExpired(c, { href: '/password/forgot', label: 'Ask for a new link' })
    return ui.render(c, 'Choose a new password', <ResetPasswordPage token={token} minLength={policy.minLength} />)
  })

  app.post('/password/reset', async (c) => {
    const form = await formValues(c)
    try {
      const body = await parseBody(c, resetPasswordBody)
      await api.emailLinks.resetPassword(body.token, body.newPassword, ui.context(c))
      return ui.redirect(c, '/login?notice=password_reset')
    } catch (error) {
      if (!form.token || (error instanceof PortcullisError && error.code === 'invalid_code')) {
        return linkExpired(c, { href: '/password/forgot', label: 'Ask for a new link' })
      }
      const errors = explain(error, { password: 'newPassword', minLength: policy.minLength, maxLength: policy.maxLength })
      if (!errors) throw error
      const page = <ResetPasswordPage token={form.token} minLength={policy.minLength} errors={errors} />
      return ui.render(c, 'Choose a new password', page, { status: ui.statusOf(error) })
    }
  })

  app.get('/email/verify', (c) => {
    const token = c.req.query('token')?.slice(0, 256)
    if (!token) return linkExpired(c, { href: HOME, label: 'Send a new link from your account page' })
    const page = (
      <ConfirmLinkPage
        title="Confirm your email address"
        text="Press the button to confirm that this address is yours."
        action="/email/verify"
        token={token}
        button="Confirm email address"
      />
    )
    return ui.render(c, 'Confirm your email address', page)
  })

  app.post('/email/verify', async (c) => {
    try {
      const body = await parseBody(c, verifyEmailBody)
      await api.emailLinks.verifyEmail(body.token)
    } catch (error) {
      if (!isInvalidLink(error)) throw error
      return linkExpired(c, { href: HOME, label: 'Send a new link from your account page' })
    }
    const signedIn = (await ui.session(c)) !== null
    return ui.render(
      c,
      'Email address confirmed',
      <MessagePage title="Email address confirmed">
        <p>Thank you: your email address is confirmed.</p>
        <p>{signedIn ? <a href={HOME}>Back to your account</a> : <a href="/login">Sign in</a>}</p>
      </MessagePage>,
    )
  })

  return app
}
