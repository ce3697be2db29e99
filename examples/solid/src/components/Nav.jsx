import { For } from 'solid-js'
import { routes } from '../data.js'

export default function Nav(props) {
  return (
    <nav class="nav" aria-label="Main">
      <ul>
        <For each={routes}>
          {(route) => (
            <li>
              <a
                href={route.path}
                class={route.path === props.current ? 'nav-link active' : 'nav-link'}
                aria-current={route.path === props.current ? 'page' : undefined}
              >
                {route.label}
              </a>
            </li>
          )}
        </For>
      </ul>
    </nav>
  )
}
