import { routes } from '../data'

export function Nav({ current }) {
  return (
    <nav class="nav" aria-label="Main">
      <ul>
        {routes.map((route) => (
          <li key={route.path}>
            <a
              href={route.path}
              class={route.path === current ? 'nav-link active' : 'nav-link'}
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
