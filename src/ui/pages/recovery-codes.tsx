import { Alert } from '../components.js'

export interface RecoveryCodesProps {
  codes: string[]
  email: string
  product: string
  generatedAt: string
  /** Shown after the first factor was turned on, rather than after "make new codes". */
  firstTime: boolean
}

/** The recovery codes, shown once: copy (small script), download (a plain link), or write them down. */
export function RecoveryCodesPage(props: RecoveryCodesProps) {
  const file = [
    `${props.product} recovery codes for ${props.email}`,
    `Made ${props.generatedAt}. Each code works once; making new codes voids these.`,
    '',
    ...props.codes,
    '',
  ].join('\n')
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">Save your recovery codes</h1>
      {props.firstTime ? (
        <Alert kind="ok">
          <p>Two-step verification is on.</p>
        </Alert>
      ) : null}
      <p>
        If you lose your phone, each of these codes signs you in once. Keep them somewhere safe, such as a password manager.{' '}
        <strong>They are shown only now.</strong>
      </p>
      <ul class="codes" id="codes" data-text={props.codes.join('\n')} aria-label="Recovery codes">
        {props.codes.map((code) => (
          <li>{code}</li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" class="secondary" data-copy="codes" data-status="copy-status" hidden>
          Copy codes
        </button>
        <a class="button secondary" href={`data:text/plain;charset=utf-8,${encodeURIComponent(file)}`} download={`${slug(props.product)}-recovery-codes.txt`}>
          Download as .txt
        </a>
        <a class="button" href="/account/security">
          I have saved them
        </a>
      </div>
      <p class="muted below" id="copy-status" role="status" />
    </section>
  )
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'account'
  )
}
