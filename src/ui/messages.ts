import { PortcullisError } from '../errors.js'
import type { FieldErrors } from './components.js'

/** Where each kind of error is shown on the form that caused it. */
export interface ErrorPlacement {
  /** The field a wrong password or email lands on (sign-in). */
  credentials?: string
  /** The new password field, for weak_password. */
  password?: string
  /** The code field, for invalid_code and step_up_required. */
  code?: string
  /** The field a taken email lands on (sign-up). */
  email?: string
  minLength?: number
  maxLength?: number
}

const RULES: Record<string, (placement: ErrorPlacement) => string> = {
  min_length: (p) => `Use at least ${p.minLength ?? 12} characters. A few unrelated words make a strong password that is easy to remember.`,
  max_length: (p) => `Use at most ${p.maxLength ?? 128} characters.`,
  common_password: () => 'This password is one of the most common ones; choose something others would not guess.',
  contains_email: () => 'Do not use your email address (or its first part) in the password.',
  too_guessable: () => 'This password is too easy to guess; try a longer phrase of unrelated words.',
}

const FIELD_WORDS: Record<string, string> = {
  email: 'Enter an email address like name@example.com.',
  password: 'Enter your password.',
  currentPassword: 'Enter your current password.',
  newPassword: 'Enter a new password.',
  code: 'Enter the code.',
  name: 'Enter a shorter name.',
}

/** "in 15 minutes", from Retry-After seconds. */
export function waitWords(seconds: number | undefined): string {
  if (seconds === undefined) return 'later'
  if (seconds < 60) return seconds <= 1 ? 'in a second' : `in ${seconds} seconds`
  const minutes = Math.ceil(seconds / 60)
  if (minutes < 120) return minutes === 1 ? 'in 1 minute' : `in ${minutes} minutes`
  return `in ${Math.ceil(minutes / 60)} hours`
}

/**
 * Plain words for an error of a form, placed next to the field it is about; null for an error
 * the form does not expect (it goes to the error page).
 */
export function explain(error: unknown, place: ErrorPlacement = {}): FieldErrors | null {
  if (!(error instanceof PortcullisError)) return null
  const at = (field: string | undefined, message: string): FieldErrors => ({ [field ?? 'form']: [message] })
  switch (error.code) {
    case 'invalid_credentials':
      return at(place.credentials, 'The email address or password is not right.')
    case 'weak_password': {
      const rules = (error.details ?? []).map((detail) => (detail as { rule?: string }).rule ?? '')
      return { [place.password ?? 'form']: rules.map((rule) => RULES[rule]?.(place) ?? 'Choose a different password.') }
    }
    case 'too_many_requests':
      return at(undefined, `Too many attempts. For your safety this is paused for a while: try again ${waitWords(error.retryAfterSeconds)}.`)
    case 'invalid_code':
      return at(place.code, codeWords(error))
    case 'step_up_required': {
      const methods = (error.details ?? []).map((detail) => (detail as { method?: string }).method)
      if (methods.includes('sign_in')) return at(undefined, 'To do this, sign out and sign in again first: it needs a sign-in from the last 10 minutes.')
      const passkey = methods.includes('webauthn') ? ', or confirm with a passkey' : ''
      return at(place.code, `To do this, confirm it is you: enter a code from your authenticator app, or a recovery code${passkey}.`)
    }
    case 'account_disabled':
      return at(undefined, 'This account has been disabled by an administrator. Contact them to have it enabled again.')
    case 'forbidden':
      return at(undefined, 'That is not allowed here.')
    case 'conflict':
      return at(place.email, place.email ? 'An account with this email address already exists. Sign in instead.' : 'That is already done.')
    case 'invalid_request': {
      const errors: FieldErrors = {}
      for (const detail of error.details ?? []) {
        const field = (detail as { field?: string }).field ?? 'form'
        const message = FIELD_WORDS[field] ?? 'Check this value and try again.'
        errors[field in FIELD_WORDS ? field : 'form'] = [message]
      }
      return Object.keys(errors).length > 0 ? errors : at(undefined, 'Something in the form is not valid; check it and try again.')
    }
    case 'mfa_enrollment_required':
      return at(undefined, 'Set up an authenticator app first: this account needs a second factor.')
    case 'not_found':
      return at(undefined, 'That no longer exists; it may have been removed already.')
    case 'service_unavailable':
      return at(undefined, `The service is busy right now. Nothing was changed: try again ${waitWords(error.retryAfterSeconds)}.`)
    default:
      return null
  }
}

function codeWords(error: PortcullisError): string {
  const skewed = (error.details ?? []).some((detail) => (detail as { reason?: string }).reason === 'clock_skew')
  if (skewed) {
    return 'That code belongs to a different time. The clock of the device with your authenticator app seems to be off: set it to update automatically, then try a new code.'
  }
  return 'That code is not right, has expired or was already used.'
}
