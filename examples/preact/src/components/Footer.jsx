import { site } from '../data'

export function Footer() {
  const year = 2025
  return (
    <footer class="footer">
      <p>
        © 1987–{year} {site.name}. Prices incl. 19&nbsp;% VAT.
      </p>
      <p class="small">
        Rendered by <strong>Preact</strong> on the server, hydrated in the browser.
      </p>
    </footer>
  )
}
