import { isIP } from 'node:net'
import { NO_CONTEXT } from '../../request-context.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'

export const addressUnlockCommand: Command = {
  words: ['address', 'unlock'],
  args: ['<ip>'],
  summary: 'Lift the sign-in lock of a client address',
  help: 'Recorded in the audit log. Exits 1 when the address had no lock or count to lift.',
  async run({ positionals, io }) {
    const ip = positionals[0] as string
    if (!isIP(ip)) {
      io.err(`portcullis address unlock: "${ip}" is not an IP address`)
      return 2
    }
    const auth = await openAuth(io.env)
    try {
      const lifted = await auth.api.admin.unlockAddress(ip, NO_CONTEXT, 'cli')
      ;(lifted ? io.out : io.err)(lifted ? `Unlocked ${ip}.` : `No lock on ${ip}.`)
      return lifted ? 0 : 1
    } finally {
      await auth.close()
    }
  },
}
