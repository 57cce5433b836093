import type { components } from './openapi-types.js'

/** An error code of the contract, or `network_error` when no answer came back. */
export type AuthErrorCode = components['schemas']['Error']['error']['code'] | 'network_error'

/** Every failure of a high-level call: the contract's error shape, with the status and Retry-After. */
export class AuthClientError extends Error {
  readonly status: number
  readonly code: AuthErrorCode
  readonly details: Array<Record<string, unknown>>
  /** Seconds from the Retry-After header (`too_many_requests`, `service_unavailable`), else null. */
  readonly retryAfter: number | null

  constructor(
    status: number,
    code: AuthErrorCode,
    message: string,
    details: Array<Record<string, unknown>> = [],
    retryAfter: number | null = null,
    cause?: unknown,
  ) {
    super(message, { cause })
    this.name = 'AuthClientError'
    this.status = status
    this.code = code
    this.details = details
    this.retryAfter = retryAfter
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: Array<Record<string, unknown>> }
}

/** The error of a failed answer; a body that is not the contract's shape still gives a status and a code. */
export function errorFromResponse(response: Response, body: unknown): AuthClientError {
  const error = (body as ErrorBody | undefined)?.error
  const retry = response.headers.get('retry-after')
  const seconds = retry !== null && /^\d+$/.test(retry) ? Number(retry) : null
  const code = (error?.code ?? (response.status >= 500 ? 'internal_error' : 'invalid_request')) as AuthErrorCode
  return new AuthClientError(response.status, code, error?.message ?? `HTTP ${response.status}`, error?.details ?? [], seconds)
}
