import type { User } from '../../features/accounts/index.js'
import type { MfaOverview, TrustedDevice } from '../../features/mfa/index.js'
import type { SessionSummary } from '../../features/sessions/index.js'
import type { PasskeySummary } from '../../features/webauthn/index.js'
import { Alert, type FieldErrors } from '../components.js'
import { PasskeysSection } from './passkeys-section.js'
import { EmailSection, PasswordSection, RecoveryCodesSection, SessionsSection, TotpSection, TrustedDevicesSection } from './security-sections.js'

/** A form of the page that failed, and why: its errors are shown inside that form only. */
export interface SectionErrors {
  section: 'totp' | 'passkeys' | 'recovery' | 'password' | 'email' | 'devices' | 'sessions'
  errors: FieldErrors
}

export interface SecurityProps {
  user: User
  overview: MfaOverview
  /** MFA_POLICY=required and no factor yet: only enrolment is open. */
  mustEnroll: boolean
  /** Changing the password would need a code now (the session has no recent MFA). */
  stepUpNeeded: boolean
  passkeys: PasskeySummary[]
  /** The API's base path, for the passkey buttons' requests. */
  api: string
  devices: TrustedDevice[]
  sessions: SessionSummary[]
  minLength: number
  notice?: { kind: 'ok' | 'info' | 'error'; text: string } | undefined
  failed?: SectionErrors | undefined
}

export function SecurityPage(props: SecurityProps) {
  const errorsOf = (section: SectionErrors['section']): FieldErrors => (props.failed?.section === section ? props.failed.errors : {})
  // A user with a passkey can step up with it wherever a code is asked for.
  const passkeyApi = props.passkeys.length > 0 ? props.api : undefined
  return (
    <>
      <h1>Account security</h1>
      <p class="muted">
        Signed in as <strong>{props.user.email}</strong>
      </p>
      {props.notice ? (
        <Alert kind={props.notice.kind}>
          <p>{props.notice.text}</p>
        </Alert>
      ) : null}
      {props.mustEnroll ? (
        <Alert kind="info">
          <p>Every account here needs two-step verification. Set up an authenticator app to continue.</p>
        </Alert>
      ) : null}
      <TotpSection overview={props.overview} errors={errorsOf('totp')} passkeyApi={passkeyApi} />
      <PasskeysSection passkeys={props.passkeys} api={props.api} errors={errorsOf('passkeys')} />
      {props.mustEnroll ? null : (
        <>
          {props.overview.enabled ? <RecoveryCodesSection overview={props.overview} errors={errorsOf('recovery')} passkeyApi={passkeyApi} /> : null}
          {props.overview.enabled || props.devices.length > 0 ? <TrustedDevicesSection devices={props.devices} errors={errorsOf('devices')} /> : null}
          <SessionsSection sessions={props.sessions} errors={errorsOf('sessions')} />
          <PasswordSection
            email={props.user.email}
            mfaEnabled={props.overview.enabled}
            stepUpNeeded={props.stepUpNeeded}
            minLength={props.minLength}
            errors={errorsOf('password')}
            passkeyApi={passkeyApi}
          />
          <EmailSection user={props.user} errors={errorsOf('email')} />
        </>
      )}
    </>
  )
}
