import type { PasskeySummary } from '../../features/webauthn/index.js'
import { Field, type FieldErrors, Form, FormErrors, PasskeyButton } from '../components.js'
import { formatTime } from '../format.js'
import { StepUpField } from './security-sections.js'

/** Passkeys: the list with a delete button each (a step-up when the last MFA is old), and "Add a passkey". */
export function PasskeysSection(props: { passkeys: PasskeySummary[]; api: string; errors: FieldErrors }) {
  return (
    <section class="card" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">
        Passkeys <span class={props.passkeys.length > 0 ? 'badge on' : 'badge'}>{props.passkeys.length > 0 ? 'On' : 'Off'}</span>
      </h2>
      <FormErrors errors={props.errors} />
      {props.passkeys.length === 0 ? (
        <p>A passkey signs you in with your fingerprint, face or device PIN instead of a password, and cannot be phished.</p>
      ) : (
        <ul class="plain">
          {props.passkeys.map((passkey) => (
            <li>
              <div>
                <strong>{passkey.name}</strong>
                <br />
                <span class="muted">
                  Added {formatTime(passkey.createdAt)}
                  {passkey.lastUsedAt ? `, last used ${formatTime(passkey.lastUsedAt)}` : ', not used yet'}
                </span>
              </div>
              <Form action={`/account/passkeys/${encodeURIComponent(passkey.id)}/delete`}>
                {props.errors.code ? <StepUpField id={`passkey-code-${passkey.id}`} errors={props.errors} passkeyApi={props.api} /> : null}
                <button type="submit" class="secondary" aria-label={`Delete ${passkey.name}`}>
                  Delete
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      <PasskeyButton kind="register" api={props.api} label="Add a passkey" id="passkey-register" next="/account/security?notice=passkey_added">
        <Field
          id="passkey-name"
          name="passkeyName"
          label="Name for the new passkey"
          hint="So you can tell your passkeys apart, e.g. “Work laptop”."
          maxlength={64}
        />
      </PasskeyButton>
    </section>
  )
}
