import { html } from 'hono/html'
import type { MailMessage } from './mailer.js'

interface Parts {
  product: string
  to: string
  subject: string
  /** Paragraphs, plain text. */
  lines: string[]
  code?: string
  action?: { label: string; url: string }
  /** A secondary link, e.g. "cancel". */
  footer?: { label: string; url: string }
}

// Every message has the same plain shape: who sent it, what for, the code or link, how long it lasts.
function compose(parts: Parts): MailMessage {
  const text = [
    ...parts.lines,
    ...(parts.code ? [`Your code: ${parts.code}`] : []),
    ...(parts.action ? [`${parts.action.label}: ${parts.action.url}`] : []),
    ...(parts.footer ? [`${parts.footer.label}: ${parts.footer.url}`] : []),
    `— ${parts.product}`,
  ].join('\n\n')
  const body = html`<div style="font-family:system-ui,sans-serif;max-width:32rem;line-height:1.5">
${parts.lines.map((line) => html`<p>${line}</p>`)}
${parts.code ? html`<p style="font-size:1.75rem;letter-spacing:.3rem;font-weight:600">${parts.code}</p>` : ''}
${parts.action ? html`<p><a href="${parts.action.url}" style="font-weight:600">${parts.action.label}</a></p>` : ''}
${parts.footer ? html`<p style="font-size:.875rem"><a href="${parts.footer.url}">${parts.footer.label}</a></p>` : ''}
<p style="color:#666">— ${parts.product}</p></div>`
  return { to: parts.to, subject: `${parts.product}: ${parts.subject}`, text, html: String(body) }
}

// Whole hours read as hours ("24 hours", not "1440 minutes"); the rest in minutes, singular when one.
function duration(seconds: number): string {
  const [amount, unit] = seconds >= 3600 && seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [Math.max(1, Math.round(seconds / 60)), 'minute']
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`
}

export function emailCodeMessage(product: string, to: string, code: string, ttlSeconds: number, secondFactor: boolean): MailMessage {
  return compose({
    product,
    to,
    subject: secondFactor ? 'your verification code' : 'your sign-in code',
    lines: [
      secondFactor ? `Use this code to finish signing in to ${product}.` : `Use this code to sign in to ${product}.`,
      `It expires in ${duration(ttlSeconds)} and works once. If you did not ask for it, ignore this message; nobody can sign in without the code.`,
    ],
    code,
  })
}

export function magicLinkMessage(product: string, to: string, url: string, ttlSeconds: number): MailMessage {
  return compose({
    product,
    to,
    subject: 'your sign-in link',
    lines: [
      `Open the link below to sign in to ${product}. It expires in ${duration(ttlSeconds)} and works once.`,
      'If you did not ask for it, ignore this message.',
    ],
    action: { label: 'Sign in', url },
  })
}

export function verifyEmailMessage(product: string, to: string, url: string, ttlSeconds: number): MailMessage {
  return compose({
    product,
    to,
    subject: 'confirm your email address',
    lines: [`Confirm that this address belongs to your ${product} account. The link expires in ${duration(ttlSeconds)}.`],
    action: { label: 'Confirm email address', url },
  })
}

export function passwordResetMessage(product: string, to: string, url: string, ttlSeconds: number): MailMessage {
  return compose({
    product,
    to,
    subject: 'reset your password',
    lines: [
      `Someone asked to reset the password of your ${product} account. The link expires in ${duration(ttlSeconds)} and works once.`,
      'Resetting signs out every device. If you have a second factor, you still need it to sign in. If this was not you, ignore this message.',
    ],
    action: { label: 'Choose a new password', url },
  })
}

export function mfaRecoveryMessage(product: string, to: string, completeUrl: string, cancelUrl: string, availableAt: Date): MailMessage {
  return compose({
    product,
    to,
    subject: 'second-factor recovery requested',
    lines: [
      `Someone who knows your password asked to remove the second factor of your ${product} account.`,
      `For your safety nothing happens before ${availableAt.toUTCString()}. After that, open the link below and sign in with your password to remove your second factors.`,
      'If this was not you, cancel now and change your password. Signing in with your second factor also cancels it.',
    ],
    action: { label: 'Complete recovery (after the waiting period)', url: completeUrl },
    footer: { label: 'Cancel this recovery', url: cancelUrl },
  })
}

/** Security events a user is told about, and the sentence that tells them. */
export const SECURITY_NOTICES = {
  factor_enrolled: 'A second factor was added to your account.',
  factor_disabled: 'A second factor was removed from your account.',
  passkey_added: 'A passkey was added to your account.',
  passkey_removed: 'A passkey was removed from your account.',
  admin_mfa_reset: 'An administrator removed every second factor from your account and signed out all devices.',
  recovery_codes_generated: 'New recovery codes were made for your account; the old ones no longer work.',
  trusted_device_added: 'A new device was trusted to skip the second factor when signing in.',
  account_locked: 'Sign-in to your account was locked for a while after too many failed attempts.',
  password_changed: 'The password of your account was changed and other devices were signed out.',
  password_reset: 'The password of your account was reset by email and every device was signed out.',
  mfa_recovery_completed: 'Your second factors were removed through email recovery.',
} as const

export type SecurityNotice = keyof typeof SECURITY_NOTICES

export function securityNoticeMessage(product: string, to: string, notice: SecurityNotice, at: Date): MailMessage {
  return compose({
    product,
    to,
    subject: 'security notice',
    lines: [SECURITY_NOTICES[notice], `When: ${at.toUTCString()}.`, 'If this was not you, change your password now and review your account security.'],
  })
}

export function signUpLinkMessage(product: string, to: string, url: string, ttlSeconds: number): MailMessage {
  return compose({
    product,
    to,
    subject: 'finish creating your account',
    lines: [
      `Open the link below to choose a password and finish creating your ${product} account. It expires in ${duration(ttlSeconds)} and works once.`,
      'If you did not ask for an account, ignore this message; nothing was created.',
    ],
    action: { label: 'Choose a password', url },
  })
}

export function accountExistsMessage(product: string, to: string, signInUrl: string, resetUrl: string): MailMessage {
  return compose({
    product,
    to,
    subject: 'you already have an account',
    lines: [
      `Someone asked to create a ${product} account for this address, but you already have one. Nothing was changed.`,
      'Sign in below, or reset your password if you forgot it. If this was not you, ignore this message.',
    ],
    action: { label: 'Sign in', url: signInUrl },
    footer: { label: 'Reset your password', url: resetUrl },
  })
}

export function accountSetupMessage(product: string, to: string, url: string, ttlSeconds: number): MailMessage {
  return compose({
    product,
    to,
    subject: 'your new account',
    lines: [
      `An administrator created a ${product} account for this address. Open the link below to choose its password. It expires in ${duration(ttlSeconds)} and works once.`,
    ],
    action: { label: 'Choose a password', url },
  })
}
