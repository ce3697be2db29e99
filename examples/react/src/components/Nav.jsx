import { routes } from '../data.js'

export default function Nav({ current }) {
  return (
    <nav className="nav" aria-label="Main">
      <ul>
        {routes.map((route) => (
          <li key={route.path}>
            <a
              href={route.path}
              className={route.path === current ? 'nav-link active' : 'nav-link'}
              aria-current={route.path === current ? 'page' : undefined}
            >
              {route.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}
