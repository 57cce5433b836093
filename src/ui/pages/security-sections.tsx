import type { User } from '../../features/accounts/index.js'
import type { MfaOverview, TrustedDevice } from '../../features/mfa/index.js'
import type { SessionSummary } from '../../features/sessions/index.js'
import { ButtonForm, Field, type FieldErrors, Form, FormErrors, PasskeyButton } from '../components.js'
import { describeDevice, formatTime } from '../format.js'

/**
 * The step-up a sensitive action asks for when the session has not completed MFA in the last
 * minutes: a code typed here, or (for a user with passkeys) a passkey, which counts for the next
 * 10 minutes so the action can simply be pressed again.
 */
export function StepUpField(props: { id: string; errors: FieldErrors; passkeyApi?: string | undefined }) {
  return (
    <>
      <Field
        id={props.id}
        name="code"
        label="Code from your authenticator app, or a recovery code"
        hint="This change needs a fresh second factor: your last one was entered more than 10 minutes ago."
        autocomplete="one-time-code"
        maxlength={64}
        required={false}
        errors={props.errors.code}
      />
      {props.passkeyApi ? (
        <PasskeyButton
          kind="step-up"
          api={props.passkeyApi}
          label="Confirm with a passkey instead"
          id={`${props.id}-passkey`}
          class="secondary"
          next="/account/security?notice=stepped_up"
        />
      ) : null}
    </>
  )
}

/** One-button actions ask for the code only once the service said it is needed, so the page shows no idle code fields. */
export function TotpSection(props: { overview: MfaOverview; errors: FieldErrors; passkeyApi?: string | undefined }) {
  const factor = props.overview.factors.find((candidate) => candidate.type === 'totp')
  return (
    <section class="card" aria-labelledby="totp-title">
      <h2 id="totp-title">
        Authenticator app <span class={factor ? 'badge on' : 'badge'}>{factor ? 'On' : 'Off'}</span>
      </h2>
      <FormErrors errors={props.errors} />
      {factor ? (
        <>
          <p>
            Signing in asks for a code from your authenticator app. Added {formatTime(factor.createdAt)}
            {factor.lastUsedAt ? `, last used ${formatTime(factor.lastUsedAt)}` : ''}.
          </p>
          <Form action="/account/totp/disable">
            {props.errors.code ? <StepUpField id="disable-code" errors={props.errors} passkeyApi={props.passkeyApi} /> : null}
            <button type="submit" class="danger">
              Turn off two-step verification
            </button>
          </Form>
        </>
      ) : (
        <>
          <p>Protect your account with a second step at sign-in: a 6-digit code from an app such as Google Authenticator, Authy, 1Password or Aegis.</p>
          <ButtonForm action="/account/totp/enroll" label="Set up authenticator app" />
        </>
      )}
    </section>
  )
}

export function RecoveryCodesSection(props: { overview: MfaOverview; errors: FieldErrors; passkeyApi?: string | undefined }) {
  const left = props.overview.recoveryCodesRemaining
  return (
    <section class="card" aria-labelledby="recovery-title">
      <h2 id="recovery-title">Recovery codes</h2>
      <FormErrors errors={props.errors} />
      <p>
        {left === 1 ? '1 unused code' : `${left} unused codes`} left. Each one signs you in once if you lose your phone.
        {left <= 3 ? ' Make new ones soon.' : ''}
      </p>
      <Form action="/account/recovery-codes">
        {props.errors.code ? <StepUpField id="recovery-code" errors={props.errors} passkeyApi={props.passkeyApi} /> : null}
        <button type="submit" class="secondary">
          Make new recovery codes
        </button>
        <p class="hint below">The old codes stop working at once.</p>
      </Form>
    </section>
  )
}

export function TrustedDevicesSection(props: { devices: TrustedDevice[]; errors: FieldErrors }) {
  return (
    <section class="card" aria-labelledby="devices-title">
      <h2 id="devices-title">Trusted devices</h2>
      <FormErrors errors={props.errors} />
      {props.devices.length === 0 ? (
        <p class="muted">No device skips the second step. You can trust a device when you enter a code at sign-in.</p>
      ) : (
        <ul class="plain">
          {props.devices.map((device) => (
            <li>
              <div>
                <strong>{describeDevice(device.userAgent)}</strong>
                <br />
                <span class="muted">
                  Trusted {formatTime(device.createdAt)}, last used {formatTime(device.lastUsedAt)}
                </span>
              </div>
              <ButtonForm
                action={`/account/devices/${encodeURIComponent(device.id)}/revoke`}
                label="Forget"
                class="secondary"
                ariaLabel={`Forget ${describeDevice(device.userAgent)}`}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

export function SessionsSection(props: { sessions: SessionSummary[]; errors: FieldErrors }) {
  return (
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Where you are signed in</h2>
      <FormErrors errors={props.errors} />
      <ul class="plain">
        {props.sessions.map((session) => (
          <li>
            <div>
              <strong>{describeDevice(session.userAgent)}</strong> {session.current ? <span class="badge on">This device</span> : null}
              <br />
              <span class="muted">
                {session.ip ? `${session.ip} · ` : ''}signed in {formatTime(session.createdAt)}, last seen {formatTime(session.lastSeenAt)}
              </span>
            </div>
            {session.current ? null : (
              <ButtonForm
                action={`/account/sessions/${encodeURIComponent(session.id)}/revoke`}
                label="Sign out"
                class="secondary"
                ariaLabel={`Sign out ${describeDevice(session.userAgent)}, signed in ${formatTime(session.createdAt)}`}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

export function PasswordSection(props: {
  email: string
  mfaEnabled: boolean
  stepUpNeeded: boolean
  minLength: number
  errors: FieldErrors
  passkeyApi?: string | undefined
}) {
  return (
    <section class="card" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <FormErrors errors={props.errors} />
      <Form action="/account/password">
        {/* Tells password managers whose password this is; not shown, not sent to any rule. */}
        <input type="email" name="username" autocomplete="username" value={props.email} hidden readonly />
        <Field name="currentPassword" label="Current password" type="password" autocomplete="current-password" errors={props.errors.currentPassword} />
        <Field
          name="newPassword"
          label="New password"
          type="password"
          autocomplete="new-password"
          minlength={props.minLength}
          hint={`At least ${props.minLength} characters. Other devices are signed out and trusted devices forgotten.`}
          errors={props.errors.newPassword}
        />
        {props.mfaEnabled && props.stepUpNeeded ? <StepUpField id="password-code" errors={props.errors} passkeyApi={props.passkeyApi} /> : null}
        <button type="submit">Change password</button>
      </Form>
    </section>
  )
}

export function EmailSection(props: { user: User; errors: FieldErrors }) {
  return (
    <section class="card" aria-labelledby="email-title">
      <h2 id="email-title">
        Email address <span class={props.user.emailVerified ? 'badge on' : 'badge'}>{props.user.emailVerified ? 'Confirmed' : 'Not confirmed'}</span>
      </h2>
      <FormErrors errors={props.errors} />
      <p>{props.user.email}</p>
      {props.user.emailVerified ? null : <ButtonForm action="/account/email/verify" label="Send a confirmation email" class="secondary" />}
    </section>
  )
}
