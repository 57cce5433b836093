export { createSessionService, type IssueSessionInput, type SessionService } from './service.js'
export type { IssuedSession, ResolvedSession, Session, SessionSummary } from './types.js'
