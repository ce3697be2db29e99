import { For } from 'solid-js'

export default function Timeline(props) {
  return (
    <ol class="timeline">
      <For each={props.milestones}>
        {(m, i) => (
          <li class={i() % 2 ? 'odd' : 'even'}>
            <time datetime={String(m.year)}>{m.year}</time>
            <span>{m.text}</span>
          </li>
        )}
      </For>
    </ol>
  )
}
