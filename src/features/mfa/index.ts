export { createMfaService, type MfaService } from './service.js'
export type { FirstFactor, MfaMethod, SignInOutcome } from './types.js'
