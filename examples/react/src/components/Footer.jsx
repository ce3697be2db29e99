import { site } from '../data.js'

export default function Footer() {
  const year = 2025
  return (
    <footer className="footer">
      <p>
        © 1987–{year} {site.name}. Prices incl. 19&nbsp;% VAT.
      </p>
      <p className="small">
        Rendered by <strong>React</strong> on the server, hydrated in the browser.
      </p>
    </footer>
  )
}
