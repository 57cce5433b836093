export { createEmailOtpService, type EmailOtpService, OTP_SENDS_PER_WINDOW, OTP_WRONG_PER_WINDOW } from './service.js'
