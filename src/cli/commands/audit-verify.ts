import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'

export const auditVerifyCommand: Command = {
  words: ['audit', 'verify'],
  summary: 'Walk the hash-chained audit log and name the first entry that was changed, removed or inserted',
  help: 'Exits 0 when the chain is intact, 2 when it is broken. Needs the same PORTCULLIS_SECRET the entries were written with.',
  async run({ io }) {
    const auth = await openAuth(io.env)
    try {
      const verdict = await auth.api.audit.verify()
      if (verdict.ok) {
        io.out(`Audit log intact: ${verdict.entries} entries.`)
        return 0
      }
      io.err(`Audit log broken at entry ${verdict.seq}: ${verdict.problem}. The ${verdict.entries} entries before it are intact.`)
      return 2
    } finally {
      await auth.close()
    }
  },
}
