/** Who is asking: recorded on sessions and audit events, used for per-address limits. */
export interface RequestContext {
  ip: string | null
  userAgent: string | null
}

export const NO_CONTEXT: RequestContext = { ip: null, userAgent: null }
