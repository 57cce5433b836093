import type { Child } from 'hono/jsx'
import { createContext, useContext } from 'hono/jsx'

/** What every form of a page needs: the CSRF token bound to this browser's session or nonce cookie. */
export const PageContext = createContext({ csrfToken: '' })

/** Messages to show beside fields, by field name; `form` holds those that belong to no single field. */
export type FieldErrors = Partial<Record<string, string[]>>

/** A POST form to a UI route, carrying the CSRF token. */
export function Form(props: { action: string; children: Child; class?: string; id?: string; novalidate?: boolean }) {
  const { csrfToken } = useContext(PageContext)
  return (
    <form method="post" action={props.action} class={props.class} id={props.id} novalidate={props.novalidate}>
      <input type="hidden" name="_csrf" value={csrfToken} />
      {props.children}
    </form>
  )
}

export interface FieldProps {
  name: string
  label: string
  type?: 'text' | 'email' | 'password'
  value?: string | undefined
  autocomplete?: string
  inputmode?: 'numeric' | 'email' | 'text'
  hint?: Child
  errors?: string[] | undefined
  required?: boolean
  autofocus?: boolean
  class?: string
  minlength?: number
  maxlength?: number
  pattern?: string
  id?: string
}

/** A labelled input with its hint and its errors, tied together for screen readers. */
export function Field(props: FieldProps) {
  const id = props.id ?? props.name
  const errors = props.errors ?? []
  const described = [props.hint ? `${id}-hint` : '', errors.length > 0 ? `${id}-error` : ''].filter(Boolean).join(' ')
  const numeric = props.inputmode === 'numeric'
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {errors.length > 0 ? <ErrorText id={`${id}-error`} errors={errors} /> : null}
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        autocomplete={props.autocomplete}
        inputmode={props.inputmode}
        pattern={props.pattern}
        minlength={props.minlength}
        maxlength={props.maxlength}
        required={props.required ?? true}
        autofocus={props.autofocus || errors.length > 0}
        autocapitalize={props.type === 'email' || numeric || props.autocomplete === 'off' ? 'none' : undefined}
        spellcheck={props.type === 'email' || numeric || props.autocomplete === 'off' ? false : undefined}
        class={props.class}
        aria-invalid={errors.length > 0 ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
    </div>
  )
}

function ErrorText(props: { id: string; errors: string[] }) {
  if (props.errors.length === 1) {
    return (
      <p class="error" id={props.id}>
        {props.errors[0]}
      </p>
    )
  }
  return (
    <div class="error" id={props.id}>
      <ul>
        {props.errors.map((error) => (
          <li>{error}</li>
        ))}
      </ul>
    </div>
  )
}

/** A message box: errors are announced at once, the rest politely. */
export function Alert(props: { kind: 'error' | 'ok' | 'info'; children: Child }) {
  const role = props.kind === 'error' ? 'alert' : 'status'
  const tone = props.kind === 'error' ? 'alert error-box' : props.kind === 'ok' ? 'alert ok' : 'alert'
  return (
    <div class={tone} role={role}>
      {props.children}
    </div>
  )
}

/** The errors that belong to no field, if any. */
export function FormErrors(props: { errors: FieldErrors }) {
  const messages = props.errors.form ?? []
  if (messages.length === 0) return null
  return (
    <Alert kind="error">
      {messages.map((message) => (
        <p>{message}</p>
      ))}
    </Alert>
  )
}

/** A one-button form, e.g. "Revoke" in a list. */
export function ButtonForm(props: { action: string; label: string; class?: string; hidden?: Record<string, string>; ariaLabel?: string }) {
  return (
    <Form action={props.action}>
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.class} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </Form>
  )
}

/**
 * A button that runs a passkey ceremony in the browser (static/passkeys.js). Hidden until the
 * script finds WebAuthn, so a browser without it never shows a dead button.
 */
export function PasskeyButton(props: {
  kind: 'register' | 'sign-in' | 'challenge' | 'step-up'
  api: string
  label: string
  id: string
  challenge?: string
  next?: string
  class?: string
  children?: Child
}) {
  return (
    <div data-passkey-group hidden>
      {props.children}
      <div class="actions">
        <button
          type="button"
          class={props.class}
          data-passkey={props.kind}
          data-api={props.api}
          data-challenge={props.challenge}
          data-next={props.next}
          data-status={`${props.id}-status`}
          hidden
        >
          {props.label}
        </button>
      </div>
      <p class="hint" id={`${props.id}-status`} aria-live="polite" />
    </div>
  )
}
