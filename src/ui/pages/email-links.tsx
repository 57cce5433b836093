import { Field, type FieldErrors, Form, FormErrors } from '../components.js'

export function ForgotPasswordPage(props: { email?: string; errors?: FieldErrors }) {
  const errors = props.errors ?? {}
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Reset your password</h1>
      <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
      <FormErrors errors={errors} />
      <Form action="/password/forgot">
        <Field name="email" label="Email address" type="email" autocomplete="email" value={props.email} errors={errors.email} maxlength={254} />
        <div class="actions">
          <button type="submit">Email me a link</button>
          <a href="/login">Back to sign-in</a>
        </div>
      </Form>
    </section>
  )
}

export function ResetPasswordPage(props: { token: string; minLength: number; errors?: FieldErrors }) {
  const errors = props.errors ?? {}
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Choose a new password</h1>
      <p>This signs out every device. If you use two-step verification, you will still need your second factor to sign in.</p>
      <FormErrors errors={errors} />
      <Form action="/password/reset">
        <input type="hidden" name="token" value={props.token} />
        <Field
          name="newPassword"
          label="New password"
          type="password"
          autocomplete="new-password"
          minlength={props.minLength}
          hint={`At least ${props.minLength} characters.`}
          errors={errors.newPassword}
        />
        <button type="submit">Set new password</button>
      </Form>
    </section>
  )
}

/** A mailed link lands here and only a button press spends it: mail scanners open links too. */
export function ConfirmLinkPage(props: { title: string; text: string; action: string; token: string; button: string }) {
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">{props.title}</h1>
      <p>{props.text}</p>
      <Form action={props.action}>
        <input type="hidden" name="token" value={props.token} />
        <button type="submit">{props.button}</button>
      </Form>
    </section>
  )
}
