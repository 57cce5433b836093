import type { Context } from 'hono'
import { ZodError } from 'zod'
import { ERROR_STATUS, PortcullisError } from '../errors.js'
import type { Logger } from '../logger.js'
import { isDatabaseUnavailable } from '../store/errors.js'
import type { AppEnv } from './env.js'

/** The one place an error becomes a Response, in the contract's shape; unknown errors are logged, never shown. */
export function errorResponse(error: unknown, c: Context<AppEnv>, logger: Logger): Response {
  const known = toPortcullisError(error)
  if (!known) {
    logger.error({ err: error, requestId: c.get('requestId'), path: c.req.path }, 'unhandled error')
  } else if (known.code === 'service_unavailable' && known.cause) {
    logger.warn({ err: known.cause, requestId: c.get('requestId'), path: c.req.path }, 'database unavailable')
  }
  const failure = known ?? new PortcullisError('internal_error', 'Something went wrong; the error was logged')
  const body: { error: { code: string; message: string; details?: unknown[] } } = {
    error: { code: failure.code, message: failure.message },
  }
  if (failure.details) body.error.details = failure.details
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' }
  if (failure.retryAfterSeconds !== undefined) headers['Retry-After'] = String(failure.retryAfterSeconds)
  return c.json(body, ERROR_STATUS[failure.code], headers)
}

/** How long a client should wait before retrying while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5

/** A known outcome for an error, or null for a fault of the server (answered 500, logged). */
export function toPortcullisError(error: unknown): PortcullisError | null {
  if (error instanceof PortcullisError) return error
  if (isDatabaseUnavailable(error)) {
    return new PortcullisError('service_unavailable', 'The service is temporarily unavailable; try again shortly', {
      retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
      cause: error,
    })
  }
  if (error instanceof ZodError) {
    return new PortcullisError('invalid_request', 'The request is not valid', {
      details: error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    })
  }
  return null
}
