export default function Timeline({ milestones }) {
  return (
    <ol className="timeline">
      {milestones.map(({ year, text }, i) => (
        <li key={year} className={i % 2 ? 'odd' : 'even'}>
          <time dateTime={String(year)}>{year}</time>
          <span>{text}</span>
        </li>
      ))}
    </ol>
  )
}
