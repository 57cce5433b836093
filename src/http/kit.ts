import type { ResolvedOptions } from '../config/options.js'
import type { CsrfGuard } from './csrf.js'
import type { SessionReader } from './session.js'

/** What every feature's routes share: the session reader, CSRF and the resolved options. */
export interface HttpKit {
  sessions: SessionReader
  csrf: CsrfGuard
  options: ResolvedOptions
}
