import { Alert, Field, type FieldErrors, Form, FormErrors } from '../components.js'

export interface EmailCodeProps {
  email: string
  errors?: FieldErrors
  minutes: number
  /** A new code was just sent on request; the earlier one no longer works. */
  resent?: boolean
}

/** The code entry after "Email me a code". */
export function EmailCodePage(props: EmailCodeProps) {
  const errors = props.errors ?? {}
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Check your email</h1>
      <Alert kind="info">
        <p>
          If an account exists for <strong>{props.email}</strong>, we sent it a{' '}
          {props.resent ? 'new 6-digit code; earlier codes no longer work' : '6-digit code'}. It works once and expires in {props.minutes} minutes.
        </p>
      </Alert>
      <FormErrors errors={errors} />
      <Form action="/login/code">
        <input type="hidden" name="email" value={props.email} />
        <Field
          name="code"
          label="Code from the email"
          autocomplete="one-time-code"
          inputmode="numeric"
          pattern="[0-9 ]*"
          maxlength={16}
          class="code"
          errors={errors.code}
          autofocus
        />
        <div class="actions">
          <button type="submit">Sign in</button>
          <button type="submit" class="secondary" formaction="/login/email-code" formnovalidate name="resend" value="1">
            Send a new code
          </button>
        </div>
      </Form>
      <p class="muted below">
        <a href="/login">Back to sign-in</a>
      </p>
    </section>
  )
}
