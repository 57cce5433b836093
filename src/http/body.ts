import type { Context } from 'hono'
import { z } from 'zod'
import { PortcullisError } from '../errors.js'

export const MAX_BODY_BYTES = 64 * 1024

/**
 * Reads a JSON or form body and validates it; unknown fields are dropped.
 * @throws invalid_request for broken JSON, NUL characters or a body that fails the schema.
 */
export async function parseBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const type = c.req.header('content-type') ?? ''
  let raw: unknown
  if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
    const form = await c.req.parseBody()
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

/** Validates the query string like a body. */
export function parseQuery<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  return validate(schema, c.req.query())
}

function validate<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PortcullisError('invalid_request', 'The body must be an object')
  }
  if (containsNul(raw)) throw new PortcullisError('invalid_request', 'Text must not contain NUL characters')
  const result = schema.safeParse(raw)
  if (!result.success) {
    throw new PortcullisError('invalid_request', 'The request is not valid', {
      details: result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    })
  }
  return result.data
}

// PostgreSQL text cannot hold NUL; refusing it here keeps both dialects answering alike.
function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (value && typeof value === 'object') return Object.values(value).some(containsNul)
  return false
}

/** A boolean that also accepts what an HTML checkbox sends. */
export const formBoolean = z.union([z.boolean(), z.enum(['on', 'true', 'false', '1', '0']).transform((value) => value === 'on' || value === 'true' || value === '1')])
