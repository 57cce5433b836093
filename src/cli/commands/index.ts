import type { Command } from '../command.js'
import { addressUnlockCommand } from './address-unlock.js'
import { auditVerifyCommand } from './audit-verify.js'
import { backupCommand, restoreCommand } from './backup.js'
import { doctorCommand } from './doctor.js'
import { migrateCommand } from './migrate.js'
import { oidcClientAddCommand, oidcClientListCommand, oidcClientRemoveCommand, oidcRotateKeysCommand } from './oidc.js'
import { secretCommand } from './secret.js'
import { serveCommand } from './serve.js'
import { userDeleteCommand, userDisableCommand, userEnableCommand, userRevokeSessionsCommand } from './user-actions.js'
import { userCreateCommand } from './user-create.js'
import { userListCommand } from './user-list.js'
import { userResetMfaCommand } from './user-reset-mfa.js'
import { userShowCommand } from './user-show.js'
import { userUnlockCommand } from './user-unlock.js'

/** Every command of the `portcullis` bin, in the order help lists them. A new command is a file and a line here. */
export const commands: Command[] = [
  serveCommand,
  migrateCommand,
  doctorCommand,
  userUnlockCommand,
  userResetMfaCommand,
  userListCommand,
  userShowCommand,
  userCreateCommand,
  userDisableCommand,
  userEnableCommand,
  userDeleteCommand,
  userRevokeSessionsCommand,
  addressUnlockCommand,
  auditVerifyCommand,
  oidcClientAddCommand,
  oidcClientListCommand,
  oidcClientRemoveCommand,
  oidcRotateKeysCommand,
  secretCommand,
  backupCommand,
  restoreCommand,
]
