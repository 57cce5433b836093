import type { Command } from '../command.js'
import { auditVerifyCommand } from './audit-verify.js'
import { backupCommand, restoreCommand } from './backup.js'
import { doctorCommand } from './doctor.js'
import { migrateCommand } from './migrate.js'
import { oidcClientAddCommand, oidcClientListCommand, oidcClientRemoveCommand, oidcRotateKeysCommand } from './oidc.js'
import { secretCommand } from './secret.js'
import { serveCommand } from './serve.js'
import { userResetMfaCommand } from './user-reset-mfa.js'
import { userUnlockCommand } from './user-unlock.js'

/** Every command of the `portcullis` bin, in the order help lists them. A new command is a file and a line here. */
export const commands: Command[] = [
  serveCommand,
  migrateCommand,
  doctorCommand,
  userUnlockCommand,
  userResetMfaCommand,
  auditVerifyCommand,
  oidcClientAddCommand,
  oidcClientListCommand,
  oidcClientRemoveCommand,
  oidcRotateKeysCommand,
  secretCommand,
  backupCommand,
  restoreCommand,
]
