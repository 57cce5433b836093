export { type AdminService, type AdminUser, createAdminService } from './service.js'
