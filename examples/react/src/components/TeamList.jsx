export default function TeamList({ team }) {
  return (
    <section className="team">
      <h2>The team</h2>
      <ul className="team-list">
        {team.map((member) => (
          <li key={member.name} className="member">
            <strong>{member.name}</strong> — {member.role}, since {member.since}
            <blockquote cite="https://example.com/team?a=1&b=2">{member.quote}</blockquote>
          </li>
        ))}
      </ul>
    </section>
  )
}
