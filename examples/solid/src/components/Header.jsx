import { site } from '../data.js'
import Nav from './Nav.jsx'
import Logo from './Logo.jsx'

export default function Header(props) {
  return (
    <header class="header">
      <a class="brand" href="/" title={site.name}>
        <Logo size={28} />
        <span class="brand-name">{site.name}</span>
      </a>
      <p class="tagline">{site.tagline}</p>
      <Nav current={props.current} />
    </header>
  )
}
