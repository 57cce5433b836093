import { Hono } from 'hono'
import { PortcullisError } from '../errors.js'
import { completeSignUpBody, signUpBody, signUpEmailBody } from '../features/accounts/schema.js'
import { parseBody } from '../http/body.js'
import type { FieldErrors } from './components.js'
import { formValues, HOME, type UiContext, type UiEnv, type UiKit } from './kit.js'
import { explain } from './messages.js'
import { MessagePage } from './pages/message.js'
import { CompleteSignUpPage, SignUpPage } from './pages/signup.js'

/** Sign-up in the mode SIGNUP_MODE sets, and the page a mailed sign-up or invitation link opens. */
export function signUpRoutes(ui: UiKit) {
  const app = new Hono<UiEnv>()
  const { api } = ui
  const policy = api.passwords.policy()
  const placement = { email: 'email', password: 'password', credentials: 'password', code: 'code', minLength: policy.minLength, maxLength: policy.maxLength }

  const signUpClosed = (c: UiContext) =>
    ui.render(
      c,
      'Sign-up closed',
      <MessagePage title="Sign-up is closed">
        <p>Accounts are created by an administrator. If you already have one, sign in.</p>
        <p>
          <a href="/login">Sign in</a>
        </p>
      </MessagePage>,
      { status: 403 },
    )

  app.get('/signup', async (c) => {
    if (await ui.session(c)) return ui.redirect(c, HOME)
    const mode = api.accounts.signUpMode()
    if (mode === 'closed') return signUpClosed(c)
    return ui.render(c, 'Create account', <SignUpPage product={ui.product} minLength={policy.minLength} mode={mode} />)
  })

  app.post('/signup', async (c) => {
    const form = await formValues(c)
    const mode = api.accounts.signUpMode()
    if (mode === 'closed') return signUpClosed(c)
    try {
      const body = await parseBody(c, mode === 'verify_first' ? signUpEmailBody : signUpBody)
      const result = await api.accounts.signUp(body, ui.context(c))
      if (result.kind === 'mailed') return ui.redirect(c, `/signup/sent?email=${encodeURIComponent(body.email.trim())}`)
      return ui.continueSignIn(c, result.outcome, null, `${HOME}?notice=welcome`)
    } catch (error) {
      const errors = explain(error, placement)
      if (!errors) throw error
      const page = <SignUpPage product={ui.product} minLength={policy.minLength} mode={mode} email={form.email} name={form.name} errors={errors} />
      return ui.render(c, 'Create account', page, { status: ui.statusOf(error) })
    }
  })

  app.get('/signup/sent', (c) => {
    const email = c.req.query('email')?.slice(0, 254) ?? 'your address'
    return ui.render(
      c,
      'Check your email',
      <MessagePage title="Check your email">
        <p>
          We sent a message to <strong>{email}</strong>. Open the link in it to choose your password; it works once and expires in 30 minutes.
        </p>
        <p>
          <a href="/login">Back to sign-in</a>
        </p>
      </MessagePage>,
    )
  })

  const completePage = (c: UiContext, token: string, props: { name?: string; errors?: FieldErrors } = {}, status = 200) =>
    ui.render(c, 'Finish creating your account', <CompleteSignUpPage product={ui.product} token={token} minLength={policy.minLength} {...props} />, {
      status: status as 200,
    })
  const signUpLinkExpired = (c: UiContext) =>
    ui.render(
      c,
      'Link expired',
      <MessagePage title="This link no longer works">
        <p>The link is invalid, has expired or was already used.</p>
        <p>
          <a href="/signup">Start again</a> or <a href="/login">sign in</a>
        </p>
      </MessagePage>,
      { status: 400 },
    )

  // The mailed link opens a form; only its post spends the token (mail scanners open links too).
  app.get('/signup/complete', (c) => {
    const token = c.req.query('token')?.slice(0, 256)
    return token ? completePage(c, token) : signUpLinkExpired(c)
  })

  app.post('/signup/complete', async (c) => {
    const form = await formValues(c)
    try {
      const body = await parseBody(c, completeSignUpBody)
      const { outcome } = await api.accounts.completeSignUp(body, ui.context(c))
      return ui.continueSignIn(c, outcome, null, `${HOME}?notice=welcome`)
    } catch (error) {
      if (!form.token || (error instanceof PortcullisError && (error.code === 'invalid_code' || error.code === 'conflict'))) return signUpLinkExpired(c)
      const errors = explain(error, placement)
      if (!errors) throw error
      return completePage(c, form.token, { name: form.name, errors }, ui.statusOf(error))
    }
  })

  return app
}
