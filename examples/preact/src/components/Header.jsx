import { site } from '../data'
import { Nav } from './Nav'
import { Logo } from './Logo'

export function Header({ current }) {
  return (
    <header class="header">
      <a class="brand" href="/" title={site.name}>
        <Logo size={28} />
        <span class="brand-name">{site.name}</span>
      </a>
      <p class="tagline">{site.tagline}</p>
      <Nav current={current} />
    </header>
  )
}
