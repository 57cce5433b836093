import nodemailer from 'nodemailer'
import type { Mailer } from './mailer.js'

/** Real delivery over SMTP (`smtp://user:pass@host:587`, `smtps://…`), through nodemailer's pooled transport. */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer & { close(): void } {
  // A few reused connections instead of one per message (nodemailer reads options from the URL's query).
  const url = new URL(smtpUrl)
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true')
  const transport = nodemailer.createTransport(url.toString(), { from })
  return {
    async send(message) {
      await transport.sendMail({ to: message.to, subject: message.subject, text: message.text, html: message.html })
    },
    close: () => transport.close(),
  }
}
