export { createLockoutService, type LockoutService } from './service.js'
