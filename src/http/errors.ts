import type { Context } from 'hono'
import { ZodError } from 'zod'
import { ERROR_STATUS, PortcullisError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { AppEnv } from './env.js'

/** The one place an error becomes a Response, in the contract's shape; unknown errors are logged, never shown. */
export function errorResponse(error: unknown, c: Context<AppEnv>, logger: Logger): Response {
  const known = toPortcullisError(error)
  if (!known) {
    logger.error({ err: error, requestId: c.get('requestId'), path: c.req.path }, 'unhandled error')
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

function toPortcullisError(error: unknown): PortcullisError | null {
  if (error instanceof PortcullisError) return error
  if (error instanceof ZodError) {
    return new PortcullisError('invalid_request', 'The request is not valid', {
      details: error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    })
  }
  return null
}
