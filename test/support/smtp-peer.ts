import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** One message as the peer received it: envelope, decoded headers and the two body parts. */
export interface ReceivedMail {
  /** The From header, e.g. `Portcullis <no-reply@localhost>`. */
  from: string
  /** Envelope recipients (RCPT TO), lower-cased. */
  to: string[]
  subject: string
  text: string
  html: string
  headers: Record<string, string>
  raw: string
}

export interface SmtpPeer {
  /** `smtp://127.0.0.1:<port>`, to pass as `smtpUrl`. */
  url: string
  port: number
  readonly messages: ReceivedMail[]
  /**
   * The oldest message to `to` (matching `predicate`) not returned by an earlier call; polls until
   * one arrives, and throws after `timeoutMs`.
   */
  waitFor(to: string, predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>
  /** Answers RCPT TO for this address with a permanent failure (550). */
  reject(address: string): void
  /** Holds the answer to every DATA until `resume()`: a slow mail server. */
  pause(): void
  resume(): void
  close(): Promise<void>
}

/** A real SMTP server on loopback (no TLS, no auth) that keeps what it receives. */
export async function startSmtpPeer(): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = []
  const taken = new Set<ReceivedMail>()
  const rejected = new Set<string>()
  let held: Array<() => void> | null = null
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }))
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const mail = parseMessage(
          Buffer.concat(chunks).toString('utf8'),
          session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
        )
        const accept = () => {
          messages.push(mail)
          callback()
        }
        if (held) held.push(accept)
        else accept()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  // A client that dies mid-conversation (a server process killed by a test) resets its connection;
  // smtp-server reports that as an 'error' event, which must not end the test process.
  server.on('error', () => {})
  const port = (server.server.address() as AddressInfo).port

  async function waitFor(to: string, predicate: (mail: ReceivedMail) => boolean = () => true, timeoutMs = 5000): Promise<ReceivedMail> {
    const address = to.toLowerCase()
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = messages.find((mail) => !taken.has(mail) && mail.to.includes(address) && predicate(mail))
      if (found) {
        taken.add(found)
        return found
      }
      if (Date.now() > deadline)
        throw new Error(`no mail to ${to} within ${timeoutMs} ms (received: ${messages.map((m) => `${m.to} "${m.subject}"`).join(', ') || 'none'})`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  function resume(): void {
    const waiting = held ?? []
    held = null
    for (const accept of waiting) accept()
  }

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor,
    reject: (address) => rejected.add(address.toLowerCase()),
    pause: () => {
      held ??= []
    },
    resume,
    close: () => {
      resume()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

// A small MIME reader, enough for what nodemailer writes: folded headers, RFC 2047 words,
// multipart bodies, quoted-printable and base64 parts.

function parseMessage(raw: string, to: string[]): ReceivedMail {
  const { headers, body } = splitEntity(raw)
  const parts: Record<string, string> = {}
  collectParts(headers, body, parts)
  return {
    from: headers.from ?? '',
    to,
    subject: headers.subject ?? '',
    text: parts['text/plain'] ?? '',
    html: parts['text/html'] ?? '',
    headers,
    raw,
  }
}

function splitEntity(entity: string): { headers: Record<string, string>; body: string } {
  const end = entity.search(/\r?\n\r?\n/)
  const head = end === -1 ? entity : entity.slice(0, end)
  const body = end === -1 ? '' : entity.slice(end).replace(/^\r?\n\r?\n/, '')
  const headers: Record<string, string> = {}
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim())
  }
  return { headers, body }
}

function collectParts(headers: Record<string, string>, body: string, parts: Record<string, string>): void {
  const type = headers['content-type'] ?? 'text/plain'
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1]
  if (/^multipart\//i.test(type) && boundary) {
    const sections = body.split(`--${boundary}`).slice(1)
    for (const section of sections) {
      if (section.startsWith('--')) break
      const inner = splitEntity(section.replace(/^\r?\n/, ''))
      collectParts(inner.headers, inner.body, parts)
    }
    return
  }
  const mime = type.split(';')[0]?.trim().toLowerCase() ?? 'text/plain'
  parts[mime] ??= decodeBody(body, headers['content-transfer-encoding'] ?? '7bit')
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    case 'quoted-printable':
      return decodeQuotedPrintable(body)
    default:
      return body
  }
}

function decodeQuotedPrintable(value: string): string {
  // Each =XX is one byte: turn them into %XX (after escaping literal %) and decode once as UTF-8.
  const escaped = value.replace(/=\r?\n/g, '').replace(/%/g, '%25')
  return decodeURIComponent(escaped.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`))
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    )
}
