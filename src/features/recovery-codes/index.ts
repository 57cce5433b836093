export { normalizeRecoveryCode } from './code-format.js'
export { createRecoveryCodeService, DEFAULT_RECOVERY_CODE_COUNT, type RecoveryCodeService } from './service.js'
