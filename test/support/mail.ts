import type { TestAuth } from './test-auth.js'

/** What the assertions read from a mail, whether it came from the memory mailbox or the SMTP peer. */
export interface MailLike {
  subject: string
  text: string
  html?: string | undefined
}

/** The six-digit code a mail carries, read from its text part as a person would. */
export function codeIn(mail: MailLike): string {
  const code = /Your code: (\d{6})\b/.exec(mail.text)?.[1]
  if (!code) throw new Error(`no code in mail "${mail.subject}":\n${mail.text}`)
  return code
}

/** The first link in a mail's text part whose path ends with `path`. */
export function linkIn(mail: MailLike, path: string): URL {
  for (const match of mail.text.matchAll(/https?:\/\/\S+/g)) {
    const url = new URL(match[0])
    if (url.pathname.endsWith(path)) return url
  }
  throw new Error(`no link to ${path} in mail "${mail.subject}":\n${mail.text}`)
}

/** The `token` query parameter of the link to `path`. */
export function tokenIn(mail: MailLike, path: string): string {
  const token = linkIn(mail, path).searchParams.get('token')
  if (!token) throw new Error(`the link to ${path} has no token`)
  return token
}

/** Every mail the memory mailbox holds for an address, oldest first, after pending sends finish. */
export async function mailsTo(t: TestAuth, address: string) {
  await t.auth.flushMail()
  return t.mailbox.messages.filter((message) => message.to === address)
}

/** The newest mail to an address whose subject contains `subject`; throws when there is none. */
export async function lastMail(t: TestAuth, address: string, subject = ''): Promise<MailLike & { to: string }> {
  const found = (await mailsTo(t, address)).filter((message) => message.subject.includes(subject)).at(-1)
  if (!found) throw new Error(`no mail "${subject}" to ${address}`)
  return found
}
