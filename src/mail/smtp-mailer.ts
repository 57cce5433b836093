import nodemailer from 'nodemailer'
import type { Mailer } from './mailer.js'

/** Real delivery over SMTP (`smtp://user:pass@host:587`, `smtps://…`), through nodemailer's pooled transport. */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer & { close(): void } {
  const transport = nodemailer.createTransport(smtpUrl, { from })
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html })
    },
    close: () => transport.close(),
  }
}
