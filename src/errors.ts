/** Every error code of the HTTP contract, with the status it is answered with. */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_code: 400,
  challenge_invalid: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  csrf_failed: 403,
  step_up_required: 403,
  mfa_enrollment_required: 403,
  account_disabled: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  weak_password: 422,
  too_many_requests: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export interface PortcullisErrorOptions {
  details?: unknown[]
  retryAfterSeconds?: number
  cause?: unknown
}

/** An outcome that ends a request; its HTTP status follows from `code` through ERROR_STATUS. */
export class PortcullisError extends Error {
  readonly code: ErrorCode
  readonly details: unknown[] | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(code: ErrorCode, message: string, options: PortcullisErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = 'PortcullisError'
    this.code = code
    this.details = options.details
    this.retryAfterSeconds = options.retryAfterSeconds
  }

  get status(): number {
    return ERROR_STATUS[this.code]
  }
}

export interface ConfigIssue {
  path: string
  message: string
}

/** Misuse or bad configuration, found when createAuth runs: every problem at once. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[]

  constructor(issues: ConfigIssue[]) {
    super(`Invalid Portcullis configuration:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`)
    this.name = 'ConfigError'
    this.issues = issues
  }
}
