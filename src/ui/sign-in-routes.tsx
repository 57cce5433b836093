import { Hono } from 'hono'
import { PortcullisError } from '../errors.js'
import { signInBody } from '../features/accounts/schema.js'
import { sendBody as otpSendBody, verifyBody as otpVerifyBody } from '../features/email-otp/schema.js'
import { MAGIC_LINK_TTL_SECONDS } from '../features/magic-link/index.js'
import { sendBody as linkSendBody, tokenBody } from '../features/magic-link/schema.js'
import { parseBody } from '../http/body.js'
import { clearCookie, SESSION_COOKIE } from '../http/cookies.js'
import { trustedDeviceToken } from '../http/sign-in-response.js'
import { Alert, type FieldErrors } from './components.js'
import { formValues, HOME, type UiContext, type UiEnv, type UiKit } from './kit.js'
import { explain } from './messages.js'
import { EmailCodePage } from './pages/email-code.js'
import { ConfirmLinkPage } from './pages/email-links.js'
import { LoginPage, type LoginProps } from './pages/login.js'
import { MessagePage } from './pages/message.js'

const LOGIN_NOTICES: Record<string, LoginProps['notice']> = {
  signed_out: { kind: 'ok', text: 'You are signed out.' },
  signin_required: { kind: 'info', text: 'Please sign in to continue.' },
  challenge_expired: { kind: 'error', text: 'That sign-in expired or was already finished. Please sign in again.' },
  challenge_locked: { kind: 'error', text: 'Too many wrong codes for that sign-in. Please sign in again.' },
  password_reset: { kind: 'ok', text: 'Your password was changed and every device signed out. Sign in with the new password.' },
  link_expired: { kind: 'error', text: 'That sign-in link is incomplete. Ask for a new one below.' },
  mfa_recovered: { kind: 'ok', text: 'Your second factor was removed. Sign in with your password, then set up a new one.' },
}

export function signInRoutes(ui: UiKit) {
  const app = new Hono<UiEnv>()
  const { api } = ui
  const policy = api.passwords.policy()
  const placement = { email: 'email', password: 'password', credentials: 'password', code: 'code', minLength: policy.minLength, maxLength: policy.maxLength }

  const loginPage = (c: UiContext, props: { email?: string; errors?: FieldErrors; notice?: LoginProps['notice'] }, error?: unknown) =>
    ui.render(
      c,
      'Sign in',
      <LoginPage
        product={ui.product}
        api={ui.options.basePath}
        next={ui.signInReturn(c) ?? HOME}
        signUpOpen={api.accounts.signUpMode() !== 'closed'}
        {...props}
      />,
      {
        status: error ? ui.statusOf(error) : 200,
      },
    )

  app.get('/login', async (c) => {
    if (await ui.session(c)) return ui.redirect(c, ui.signInReturn(c) ?? HOME)
    const notice = c.req.query('notice') ?? ''
    return loginPage(c, { notice: Object.hasOwn(LOGIN_NOTICES, notice) ? LOGIN_NOTICES[notice] : undefined })
  })

  app.post('/login', async (c) => {
    const form = await formValues(c)
    try {
      const body = await parseBody(c, signInBody)
      const { outcome } = await api.accounts.signIn(body.email, body.password, ui.context(c), trustedDeviceToken(c, ui.options))
      return ui.continueSignIn(c, outcome)
    } catch (error) {
      const errors = explain(error, placement)
      if (!errors) throw error
      return loginPage(c, { email: form.email, errors }, error)
    }
  })

  app.post('/login/email-code', async (c) => {
    const form = await formValues(c)
    try {
      const body = await parseBody(c, otpSendBody)
      await api.emailOtp.send(body.email, ui.context(c))
      return ui.redirect(c, `/login/code?email=${encodeURIComponent(body.email)}${form.resend ? '&resent=1' : ''}`)
    } catch (error) {
      const errors = explain(error, placement)
      if (!errors) throw error
      // "Send a new code" on the code page stays there; the first request came from the sign-in page.
      if (form.resend && form.email) return codePage(c, form.email, errors, error)
      return loginPage(c, { email: form.email, errors }, error)
    }
  })

  const codePage = (c: UiContext, email: string, errors: FieldErrors = {}, error?: unknown, resent = false) =>
    ui.render(c, 'Enter your code', <EmailCodePage email={email} errors={errors} minutes={Math.round(ui.options.otpTtlSeconds / 60)} resent={resent} />, {
      status: error ? ui.statusOf(error) : 200,
    })

  app.get('/login/code', (c) => {
    const email = c.req.query('email')?.slice(0, 254)
    return email ? codePage(c, email, {}, undefined, c.req.query('resent') === '1') : ui.redirect(c, '/login')
  })

  app.post('/login/code', async (c) => {
    const form = await formValues(c)
    try {
      const body = await parseBody(c, otpVerifyBody)
      const { userId } = await api.emailOtp.verify(body.email, body.code)
      return ui.continueSignIn(c, await api.mfa.afterFirstFactor(userId, 'email_otp', ui.context(c)))
    } catch (error) {
      const errors = explain(error, placement)
      if (!errors || !form.email) throw error
      return codePage(c, form.email, errors, error)
    }
  })

  app.post('/login/magic-link', async (c) => {
    const form = await formValues(c)
    try {
      const body = await parseBody(c, linkSendBody.pick({ email: true }))
      await api.magicLinks.send(body.email, undefined, ui.context(c))
      return ui.redirect(c, `/login/link-sent?email=${encodeURIComponent(body.email)}`)
    } catch (error) {
      const errors = explain(error, placement)
      if (!errors) throw error
      return loginPage(c, { email: form.email, errors }, error)
    }
  })

  app.get('/login/link-sent', (c) => {
    const email = c.req.query('email')?.slice(0, 254) ?? 'your address'
    const minutes = Math.round(MAGIC_LINK_TTL_SECONDS / 60)
    return ui.render(
      c,
      'Check your email',
      <MessagePage title="Check your email">
        <p>
          If an account exists for <strong>{email}</strong>, we sent it a sign-in link. It works once and expires in {minutes} minutes. You can close this tab.
        </p>
        <p>
          <a href="/login">Back to sign-in</a>
        </p>
      </MessagePage>,
    )
  })

  // The mailed link may land here; only the button spends it.
  app.get('/magic-link', (c) => {
    const token = c.req.query('token')?.slice(0, 256)
    if (!token) return ui.redirect(c, '/login?notice=link_expired')
    const page = <ConfirmLinkPage title="Sign in" text="Press the button to finish signing in." action="/magic-link" token={token} button="Sign in" />
    return ui.render(c, 'Sign in', page)
  })

  app.post('/magic-link', async (c) => {
    try {
      const body = await parseBody(c, tokenBody)
      const { userId, redirectTo } = await api.magicLinks.verify(body.token)
      return ui.continueSignIn(c, await api.mfa.afterFirstFactor(userId, 'magic_link', ui.context(c), null, redirectTo), null, redirectTo ?? HOME)
    } catch (error) {
      if (!(error instanceof PortcullisError) || !['invalid_code', 'invalid_request'].includes(error.code)) throw error
      const page = (
        <MessagePage title="This sign-in link no longer works">
          <Alert kind="error">
            <p>The link is invalid, expired or was already used.</p>
          </Alert>
          <p>
            <a href="/login">Ask for a new one</a>
          </p>
        </MessagePage>
      )
      return ui.render(c, 'Link expired', page, { status: 400 })
    }
  })

  app.post('/logout', async (c) => {
    const resolved = await ui.session(c)
    if (resolved) await api.sessions.revoke(resolved.session.userId, resolved.session.id, resolved.session.id, ui.context(c), 'logout')
    clearCookie(c, ui.options, SESSION_COOKIE)
    return ui.redirect(c, '/login?notice=signed_out')
  })

  return app
}
