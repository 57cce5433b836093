export { type AdminService, createAdminService } from './service.js'
