export function TeamList({ team }) {
  return (
    <section class="team">
      <h2>The team</h2>
      <ul class="team-list">
        {team.map((member) => (
          <li key={member.name} class="member">
            <strong>{member.name}</strong> — {member.role}, since {member.since}
            <blockquote cite="https://example.com/team?a=1&b=2">{member.quote}</blockquote>
          </li>
        ))}
      </ul>
    </section>
  )
}
