import { randomBytes } from 'node:crypto'
import type { Command } from '../command.js'

const SECRET_BYTES = 32

export const secretCommand: Command = {
  words: ['secret'],
  summary: 'Print a new random secret for PORTCULLIS_SECRET',
  help: `${SECRET_BYTES} random bytes from the operating system, base64url-encoded (${Math.ceil((SECRET_BYTES * 4) / 3)} characters). Example: export PORTCULLIS_SECRET="$(portcullis secret)"`,
  async run({ io }) {
    io.out(randomBytes(SECRET_BYTES).toString('base64url'))
    return 0
  },
}
