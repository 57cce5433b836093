export { type AccountService, createAccountService, toUser } from './service.js'
export { checkPassword, type PasswordPolicy, type PasswordRule } from './password-policy.js'
export { normalizeEmail, type User } from './types.js'
