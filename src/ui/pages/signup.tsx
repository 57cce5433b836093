import { Field, type FieldErrors, Form, FormErrors } from '../components.js'

export interface SignUpProps {
  product: string
  email?: string
  name?: string
  errors?: FieldErrors
  minLength: number
  /** verify_first asks only for the address; the password is chosen on the mailed link's page. */
  mode: 'open' | 'verify_first'
}

export function SignUpPage(props: SignUpProps) {
  const errors = props.errors ?? {}
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Create your {props.product} account</h1>
      <FormErrors errors={errors} />
      <Form action="/signup">
        <Field name="email" label="Email address" type="email" autocomplete="email" value={props.email} errors={errors.email} maxlength={254} />
        <Field name="name" label="Name (optional)" autocomplete="name" value={props.name} errors={errors.name} required={false} maxlength={200} />
        {props.mode === 'open' ? (
          <Field
            name="password"
            label="Password"
            type="password"
            autocomplete="new-password"
            hint={`At least ${props.minLength} characters. A few unrelated words make a strong password that is easy to remember.`}
            errors={errors.password}
            minlength={props.minLength}
          />
        ) : (
          <p class="muted">We will email you a link; you choose your password on the page it opens.</p>
        )}
        <div class="actions">
          <button type="submit">{props.mode === 'open' ? 'Create account' : 'Email me a link'}</button>
        </div>
      </Form>
      <p class="muted below">
        Already have an account? <a href="/login">Sign in</a>
      </p>
    </section>
  )
}

/** The page a mailed sign-up (or invitation) link opens: the mailbox owner chooses the password here. */
export function CompleteSignUpPage(props: { product: string; token: string; minLength: number; name?: string; errors?: FieldErrors }) {
  const errors = props.errors ?? {}
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Finish creating your {props.product} account</h1>
      <FormErrors errors={errors} />
      <Form action="/signup/complete">
        <input type="hidden" name="token" value={props.token} />
        <Field name="name" label="Name (optional)" autocomplete="name" value={props.name} errors={errors.name} required={false} maxlength={200} />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="new-password"
          hint={`At least ${props.minLength} characters. A few unrelated words make a strong password that is easy to remember.`}
          errors={errors.password}
          minlength={props.minLength}
        />
        <div class="actions">
          <button type="submit">Create account</button>
        </div>
      </Form>
    </section>
  )
}
