import { html } from '../html.js'

export default function TeamList(team) {
  return html`<section class="team">
    <h2>The team</h2>
    <ul class="team-list">${team.map((member) => html`
      <li class="member">
        <strong>${member.name}</strong> — ${member.role}, since ${member.since}
        <blockquote cite="https://example.com/team?a=1&amp;b=2">${member.quote}</blockquote>
      </li>`)}
    </ul>
  </section>`
}
