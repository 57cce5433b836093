// Copy button for recovery codes. The page works without it: the codes are on screen and the
// download link is a plain link. Served from 'self' so the CSP needs no inline script.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.getElementById(button.dataset.copy)
  const status = document.getElementById(button.dataset.status)
  if (!source) continue
  button.hidden = false
  button.addEventListener('click', async () => {
    const text = source.dataset.text || source.textContent
    let copied = false
    try {
      await navigator.clipboard.writeText(text)
      copied = true
    } catch {
      // No clipboard API (e.g. plain http on a LAN address): select the codes so Ctrl+C works.
      const range = document.createRange()
      range.selectNodeContents(source)
      const selection = window.getSelection()
      selection.removeAllRanges()
      selection.addRange(range)
    }
    if (status) status.textContent = copied ? 'Copied to the clipboard.' : 'Selected: press Ctrl+C (or ⌘C) to copy.'
  })
}
