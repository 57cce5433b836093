/** One message: a plain-text part always, an HTML part when the template has one. */
export interface MailMessage {
  to: string
  subject: string
  text: string
  html?: string
}

/** Delivers mail; implementations: SMTP, and the console mailer for development. */
export interface Mailer {
  send(message: MailMessage): Promise<void>
}
