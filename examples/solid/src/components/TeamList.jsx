import { For } from 'solid-js'

export default function TeamList(props) {
  return (
    <section class="team">
      <h2>The team</h2>
      <ul class="team-list">
        <For each={props.team}>
          {(member) => (
            <li class="member">
              <strong>{member.name}</strong> — {member.role}, since {member.since}
              <blockquote cite="https://example.com/team?a=1&b=2">{member.quote}</blockquote>
            </li>
          )}
        </For>
      </ul>
    </section>
  )
}
