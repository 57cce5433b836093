import type { MfaMethod } from '../../features/mfa/index.js'
import { Alert, ButtonForm, Field, type FieldErrors, Form, FormErrors, PasskeyButton } from '../components.js'
import { HOME } from '../kit.js'

export interface VerifyProps {
  /** The name the authenticator app shows for this account (TOTP_ISSUER). */
  issuer: string
  /** The API's base path, for the passkey button's requests. */
  api: string
  challenge: string
  methods: MfaMethod[]
  method: MfaMethod
  attemptsRemaining: number
  maxAttempts: number
  /** Whether an email code was sent for this challenge: just now (say so), earlier, or not yet (offer to send). */
  emailSent: 'now' | 'before' | 'no'
  trustDays: number
  errors?: FieldErrors
  /** Where a passkey completion goes on to. */
  next?: string
}

const verifyPath = (challenge: string, method: MfaMethod) => `/login/verify?challenge=${encodeURIComponent(challenge)}&method=${method}`

/** The second-factor step of a sign-in. */
export function VerifyPage(props: VerifyProps) {
  const errors = props.errors ?? {}
  const { method, challenge } = props
  const needsSend = method === 'email_otp' && props.emailSent === 'no'
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Two-step verification</h1>
      {props.emailSent === 'now' ? (
        <Alert kind="info">
          <p>We emailed you a 6-digit code. It works once and only for this sign-in.</p>
        </Alert>
      ) : null}
      <FormErrors errors={errors} />
      {method === 'webauthn' ? (
        <PasskeyButton kind="challenge" api={props.api} label="Use your passkey" id="passkey-challenge" challenge={challenge} next={props.next ?? HOME}>
          <p>Confirm it is you with the passkey on this device or your security key.</p>
        </PasskeyButton>
      ) : needsSend ? (
        <>
          <p>We can email you a one-time code to finish signing in.</p>
          <ButtonForm action="/login/verify/email" label="Email me a code" hidden={{ challenge }} />
        </>
      ) : (
        <Form action="/login/verify">
          <input type="hidden" name="challenge" value={challenge} />
          <input type="hidden" name="method" value={method} />
          <CodeField method={method} issuer={props.issuer} errors={errors.code} />
          {props.attemptsRemaining < props.maxAttempts ? (
            <p class="hint" id="attempts">
              {props.attemptsRemaining === 1 ? '1 attempt left' : `${props.attemptsRemaining} attempts left`} before this sign-in is locked.
            </p>
          ) : null}
          {props.trustDays > 0 ? (
            <div class="check">
              <input type="checkbox" id="trustDevice" name="trustDevice" value="on" aria-describedby="trustDevice-hint" />
              <div>
                <label for="trustDevice">Trust this device for {props.trustDays} days</label>
                <p class="hint" id="trustDevice-hint">
                  You will not be asked for a code here again until then. Only choose this on a device that you alone use.
                </p>
              </div>
            </div>
          ) : null}
          <div class="actions">
            <button type="submit">Verify</button>
          </div>
        </Form>
      )}
      <h2 class="below">Other ways to sign in</h2>
      <ul class="plain">
        {method !== 'webauthn' && props.methods.includes('webauthn') ? (
          <li>
            <a href={verifyPath(challenge, 'webauthn')}>Use a passkey</a>
          </li>
        ) : null}
        {method !== 'totp' && props.methods.includes('totp') ? (
          <li>
            <a href={verifyPath(challenge, 'totp')}>Use your authenticator app</a>
          </li>
        ) : null}
        {method !== 'recovery_code' && props.methods.includes('recovery_code') ? (
          <li>
            <a href={verifyPath(challenge, 'recovery_code')}>Use a recovery code</a>
          </li>
        ) : null}
        {props.methods.includes('email_otp') && !needsSend ? (
          <li>
            <ButtonForm
              action="/login/verify/email"
              label={method === 'email_otp' ? 'Email me a new code' : 'Email me a code'}
              class="link"
              hidden={{ challenge }}
            />
          </li>
        ) : null}
        <li>
          <a href="/login">Cancel and start again</a>
        </li>
      </ul>
    </section>
  )
}

function CodeField(props: { method: MfaMethod; issuer: string; errors: string[] | undefined }) {
  if (props.method === 'recovery_code') {
    return (
      <Field
        name="code"
        label="Recovery code"
        hint="One of the codes you saved when you set up two-step verification, like abcde-12345. Each works once."
        autocomplete="off"
        maxlength={64}
        class="recovery"
        errors={props.errors}
        autofocus
      />
    )
  }
  const fromEmail = props.method === 'email_otp'
  return (
    <Field
      name="code"
      label={fromEmail ? 'Code from the email' : '6-digit code'}
      hint={fromEmail ? undefined : `Open your authenticator app and enter the code it shows for ${props.issuer}.`}
      autocomplete="one-time-code"
      inputmode="numeric"
      pattern="[0-9 ]*"
      maxlength={8}
      class="code"
      errors={props.errors}
      autofocus
    />
  )
}
