import { Alert, Field, type FieldErrors, Form, FormErrors, PasskeyButton } from '../components.js'
import { HOME } from '../kit.js'

export interface LoginProps {
  product: string
  /** The API's base path, for the passkey button's requests. */
  api: string
  email?: string
  errors?: FieldErrors
  notice?: { kind: 'ok' | 'info' | 'error'; text: string } | undefined
  /** Where a passkey sign-in goes on to. */
  next?: string
  /** False with SIGNUP_MODE=closed: no link to a sign-up that is not offered. */
  signUpOpen?: boolean
}

/** Password sign-in; the same email field also asks for a code or a link by email. */
export function LoginPage(props: LoginProps) {
  const errors = props.errors ?? {}
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Sign in to {props.product}</h1>
      {props.notice ? (
        <Alert kind={props.notice.kind}>
          <p>{props.notice.text}</p>
        </Alert>
      ) : null}
      <FormErrors errors={errors} />
      <Form action="/login">
        <Field name="email" label="Email address" type="email" autocomplete="username" value={props.email} errors={errors.email} maxlength={254} />
        <Field name="password" label="Password" type="password" autocomplete="current-password" errors={errors.password} />
        <div class="actions">
          <button type="submit">Sign in</button>
          <a href="/password/forgot">Forgot your password?</a>
        </div>
        <p class="divider">or, without a password</p>
        <p class="hint" id="passwordless-hint">
          We email you a one-time code or a sign-in link for the address above.
        </p>
        <div class="actions">
          <button type="submit" class="secondary" formaction="/login/email-code" formnovalidate aria-describedby="passwordless-hint">
            Email me a code
          </button>
          <button type="submit" class="secondary" formaction="/login/magic-link" formnovalidate aria-describedby="passwordless-hint">
            Email me a link
          </button>
        </div>
      </Form>
      <PasskeyButton kind="sign-in" api={props.api} label="Sign in with a passkey" id="passkey-sign-in" next={props.next ?? HOME} class="secondary">
        <p class="divider">or with a passkey on this device</p>
      </PasskeyButton>
      {props.signUpOpen === false ? null : (
        <p class="muted below">
          New here? <a href="/signup">Create an account</a>
        </p>
      )}
    </section>
  )
}
