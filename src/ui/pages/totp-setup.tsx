import type { TotpEnrollment } from '../../features/totp/index.js'
import { Field, type FieldErrors, Form, FormErrors } from '../components.js'

/** Enrolment: scan the QR code (or type the key), then prove it works with a code. */
export function TotpSetupPage(props: { enrollment: TotpEnrollment; errors?: FieldErrors }) {
  const errors = props.errors ?? {}
  const grouped = props.enrollment.secret.replace(/(.{4})(?=.)/g, '$1 ')
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Set up your authenticator app</h1>
      <FormErrors errors={errors} />
      <ol class="steps">
        <li>
          <p>Open an authenticator app (Google Authenticator, Authy, 1Password, Aegis…) and scan this QR code.</p>
          <img class="qr" src={props.enrollment.qrCode} width="216" height="216" alt="QR code for your authenticator app; the same key is written below" />
          <p>Can't scan it? Add an account by hand with this key (time-based, 6 digits):</p>
          <p class="secret" id="secret" data-secret={props.enrollment.secret}>
            {grouped}
          </p>
        </li>
        <li>
          <Form action="/account/totp/confirm">
            <input type="hidden" name="enrollmentId" value={props.enrollment.enrollmentId} />
            <Field
              name="code"
              label="Enter the 6-digit code the app shows"
              autocomplete="one-time-code"
              inputmode="numeric"
              pattern="[0-9 ]*"
              maxlength={8}
              class="code"
              errors={errors.code}
            />
            <div class="actions">
              <button type="submit">Turn on</button>
              <a href="/account/security">Cancel</a>
            </div>
          </Form>
        </li>
      </ol>
    </section>
  )
}
