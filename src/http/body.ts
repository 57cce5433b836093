import type { Context, MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { PortcullisError } from '../errors.js'

export const MAX_BODY_BYTES = 64 * 1024

/**
 * Reads a JSON or form body and validates it; unknown fields are dropped.
 * @throws invalid_request for broken JSON, NUL characters, lone surrogates or a body that fails the schema.
 */
export async function parseBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const type = c.req.header('content-type') ?? ''
  let raw: unknown
  if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
    const form = await c.req.parseBody().catch((cause: unknown) => {
      throw new PortcullisError('invalid_request', 'The form body cannot be read', { cause })
    })
    raw = Object.fromEntries(Object.entries(form).filter(([, value]) => typeof value === 'string'))
  } else {
    const text = await c.req.text()
    try {
      raw = text.trim() === '' ? {} : JSON.parse(text)
    } catch {
      throw new PortcullisError('invalid_request', 'The body is not valid JSON')
    }
  }
  return validate(schema, raw)
}

/**
 * Refuses a URL whose path or query holds a NUL, before any route reads a parameter: PostgreSQL
 * text cannot hold one (the query would fail), so no path parameter or query value may carry it
 * to the store, whichever route is added later.
 */
export const refuseNulInUrl: MiddlewareHandler = async (c, next) => {
  // A URL object percent-encodes a raw NUL, so the encoded form is the only one to look for.
  const url = c.req.url
  if (url.includes('%') && /%00/i.test(url)) {
    throw new PortcullisError('invalid_request', 'The URL must not contain NUL characters', {
      details: [{ field: 'url', message: 'contains a NUL character' }],
    })
  }
  await next()
}

/** True for an HTML form's post (a browser), which is answered with a redirect rather than JSON. */
export function isFormPost(c: Context): boolean {
  return /application\/x-www-form-urlencoded|multipart\/form-data/.test(c.req.header('content-type') ?? '')
}

/** Validates the query string like a body. */
export function parseQuery<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  return validate(schema, c.req.query())
}

function validate<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PortcullisError('invalid_request', 'The body must be an object')
  }
  const badField = findBadText(raw)
  if (badField !== null) {
    throw new PortcullisError('invalid_request', 'Text must not contain NUL characters or unpaired surrogates', {
      details: [{ field: badField, message: 'contains a NUL character or an unpaired surrogate' }],
    })
  }
  const result = schema.safeParse(raw)
  if (!result.success) {
    throw new PortcullisError('invalid_request', 'The request is not valid', {
      details: result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    })
  }
  return result.data
}

// PostgreSQL text cannot hold NUL; refusing it here keeps both dialects answering alike.
// An unpaired surrogate has no UTF-8 form: argon2 would hash it as U+FFFD, so two different
// passwords would match each other.
const BAD_TEXT = /[\0\p{Cs}]/u

interface Visit {
  value: unknown
  key: string
  parent: Visit | null
}

/** The path of the first string holding NUL or an unpaired surrogate, or null; iterative, as bodies may nest deeply. */
function findBadText(root: unknown): string | null {
  const pending: Visit[] = [{ value: root, key: '', parent: null }]
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    const { value } = visit
    if (typeof value === 'string' && BAD_TEXT.test(value)) return pathOf(visit)
    if (value && typeof value === 'object') for (const [key, inner] of Object.entries(value)) pending.push({ value: inner, key, parent: visit })
  }
  return null
}

function pathOf(visit: Visit): string {
  const keys: string[] = []
  for (let at: Visit | null = visit; at?.parent; at = at.parent) keys.unshift(at.key)
  return keys.join('.')
}

/** A boolean that also accepts what an HTML checkbox sends. */
export const formBoolean = z.union([
  z.boolean(),
  z.enum(['on', 'true', 'false', '1', '0']).transform((value) => value === 'on' || value === 'true' || value === '1'),
])
