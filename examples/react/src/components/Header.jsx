import { site } from '../data.js'
import Nav from './Nav.jsx'
import Logo from './Logo.jsx'

export default function Header({ current }) {
  return (
    <header className="header">
      <a className="brand" href="/" title={site.name}>
        <Logo size={28} />
        <span className="brand-name">{site.name}</span>
      </a>
      <p className="tagline">{site.tagline}</p>
      <Nav current={current} />
    </header>
  )
}
